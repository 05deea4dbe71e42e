// A port worker's receiver module for the workers tests: answers every UDP datagram from this
// worker, writing the worker's index into the first payload byte of the reply, so the test sees
// which worker answered each packet. A datagram whose payload starts with "DIE!" makes the worker
// throw outside the pump (on its next turn), which kills the thread as a receiver bug would; one
// that starts with "SLOW" holds the worker's thread for 50 ms first, as a receiver with too much
// work per packet would; one that starts with "HOLD" holds it for 400 ms, as a receiver stuck for a
// while would. One that starts with "AHEAD" puts the tail of the worker's returns queue
// behind its head until the worker's next batch, as a worker that corrupted its shared memory
// would: the receive thread must take nothing from it meanwhile. (Behind the head, whatever the
// receive thread has taken since: the head only grows, so the fault is always one it can see.)
import { workerData } from "node:worker_threads";
import { turnUdpIntoReply } from "@magma/packets";

const worker = workerData.index;
const DIE = [0x44, 0x49, 0x45, 0x21];
const SLOW = [0x53, 0x4c, 0x4f, 0x57];
const HOLD = [0x48, 0x4f, 0x4c, 0x44];
const AHEAD = [0x41, 0x48, 0x45, 0x41, 0x44];
const returnsHeader = new Int32Array(workerData.returns, 0, 4);
const nothing = new Int32Array(new SharedArrayBuffer(4));

class FlowEchoReceiver {
  constructor(transmitter) {
    this.transmitter = transmitter;
  }

  tryConsume(input) {
    const reply = this.transmitter.tryGetNextBuffer(input.length);
    if (reply === undefined) return input;
    reply.set(input.memory.subarray(0, input.length));
    if (turnUdpIntoReply(reply, 0, input.length) !== "replied") {
      this.transmitter.discardBuffer(reply);
      return input;
    }
    const payload = ((reply[0] ?? 0) & 0x0f) * 4 + 8;
    if (SLOW.every((byte, i) => reply[payload + i] === byte)) Atomics.wait(nothing, 0, 0, 50);
    if (HOLD.every((byte, i) => reply[payload + i] === byte)) Atomics.wait(nothing, 0, 0, 400);
    if (AHEAD.every((byte, i) => reply[payload + i] === byte)) {
      // After this batch's returns are published: the tail, one behind the head.
      setImmediate(() => {
        const head = Atomics.load(returnsHeader, 1);
        Atomics.store(returnsHeader, 0, (head - 1) | 0);
      });
    }
    if (DIE.every((byte, i) => reply[payload + i] === byte)) {
      setImmediate(() => {
        throw new Error(`worker ${worker} was told to die`);
      });
    }
    // The payload changes after the checksum was checked: send it without one (RFC 768 allows 0
    // over IPv4).
    reply[payload - 2] = 0;
    reply[payload - 1] = 0;
    reply[payload] = worker;
    this.transmitter.sendBuffer(reply, input.length);
    input.dispose();
    return null;
  }

  flushPendingAcks() {}
}

export function packetReceiverFactory(transmitter) {
  return new FlowEchoReceiver(transmitter);
}
