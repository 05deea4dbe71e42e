// The program of a port worker thread (WinTunPort's `workers` option). It builds its receiver with
// the user's factory over a transmitter of its own, then serves the packets the session's receive
// thread hands over, until the port stops it. It runs when the receive thread wakes it (it sleeps
// on an empty queue) and goes on, letting its event loop turn now and then, while packets come.
import { parentPort, workerData } from "node:worker_threads";
import { PacketMemoryPool } from "@magma/memory-pool";
import type { IPacketReceiver, PacketReceiverFactory } from "@magma/transport";
import { type NativeSteeredWorker, nativeAddon } from "../native-addon.js";
import { SessionTransmitter } from "../port/session-transmitter.js";
import { WinTunTransportReceiver } from "../port/win-tun-transport-receiver.js";
import { slotTableOf } from "../session/slot-table.js";
import { type HandedOffPacket, HandedOffPackets } from "./handed-off-packets.js";
import { SharedSlotQueue } from "./shared-slot-queue.js";
import {
  describeWorkerError,
  type PortMessage,
  type PortWorkerData,
  type PortWorkerMessage,
  WORKER_COUNTER_COUNT,
  WorkerCounter,
} from "./worker-channel.js";
import { WorkerSendSink } from "./worker-send-sink.js";

/** Packets offered to the receiver per batch, as a session delivers at most maxBatch. */
const BATCH = 256;
/** How long a busy worker goes on before it lets its event loop turn. */
const YIELD_EVERY_MS = 1;
/**
 * How long an idle worker polls its queue before it sleeps: under load the receive thread's next
 * batch is often microseconds away, and waking a sleeping thread costs more than that.
 */
const POLL_BEFORE_SLEEP_MS = 0.02;

function pollBriefly(queue: SharedSlotQueue): number {
  const until = performance.now() + POLL_BEFORE_SLEEP_MS;
  let available = 0;
  while (available === 0 && performance.now() < until) available = queue.available;
  return available;
}

const data = workerData as PortWorkerData;
const port = parentPort;

function post(message: PortWorkerMessage): void {
  port?.postMessage(message);
}

async function loadFactory(): Promise<PacketReceiverFactory<SessionTransmitter, IPacketReceiver>> {
  const module = (await import(data.receiverModule)) as { packetReceiverFactory?: unknown };
  if (typeof module.packetReceiverFactory !== "function") {
    throw new TypeError(
      `${data.receiverModule} has no function export named packetReceiverFactory`,
    );
  }
  return module.packetReceiverFactory as PacketReceiverFactory<SessionTransmitter, IPacketReceiver>;
}

async function main(): Promise<void> {
  const handOff = new SharedSlotQueue(data.handOff, data.handOffCapacity, 2);
  const returns = new SharedSlotQueue(data.returns, data.returnsCapacity, 1);
  const counters = new Float64Array(data.counters, 0, WORKER_COUNTER_COUNT);
  const handedOff = new HandedOffPackets(data.portSlabs, data.portSlotTable, returns);

  let sink: WorkerSendSink;
  let transmitter: SessionTransmitter;
  let handler: ((packets: readonly HandedOffPacket[], count: number) => void) | undefined;
  let pump: WinTunTransportReceiver<IPacketReceiver, HandedOffPacket>;
  try {
    const pool = new PacketMemoryPool({ ...data.sendPool, shared: true });
    const sender = new (nativeAddon().NativeSessionSender)(
      data.sendRingId,
      pool.slabs.map((slab) => new Uint8Array(slab)),
      slotTableOf(pool),
    );
    sink = new WorkerSendSink(pool, sender);
    transmitter = new SessionTransmitter(sink, { maxPacketLength: data.maxPacketLength });
    const receiver = (await loadFactory())(transmitter);
    pump = new WinTunTransportReceiver<IPacketReceiver, HandedOffPacket>(
      { setReceiveHandler: (batchHandler) => (handler = batchHandler) },
      receiver,
      transmitter,
      (error) => post({ kind: "error", error: describeWorkerError(error) }),
    );
  } catch (error) {
    post({ kind: "start-failed", error: describeWorkerError(error) });
    return;
  }
  const publishCounters = (): void => {
    const receiverCounters = pump.counters;
    counters[WorkerCounter.consumed] = receiverCounters.consumed;
    counters[WorkerCounter.declined] = receiverCounters.declined;
    counters[WorkerCounter.receiverErrors] = receiverCounters.receiverErrors;
    counters[WorkerCounter.txPackets] = sink.sentPackets;
    counters[WorkerCounter.txBytes] = sink.sentBytes;
    counters[WorkerCounter.txRefused] = sink.refused;
    counters[WorkerCounter.txSessionEnded] = transmitter.drops.txSessionEnded;
    counters[WorkerCounter.txPoolExhausted] = transmitter.drops.txPoolExhausted;
    counters[WorkerCounter.txLargePoolExhausted] = transmitter.drops.txLargePoolExhausted;
  };

  let wakeUps: NativeSteeredWorker | undefined;
  const finish = (): void => {
    wakeUps?.close();
    transmitter.close();
    sink.close();
    publishCounters();
    // The receiver's timers would keep the thread alive; the port has closed, so it ends here.
    process.exit(0);
  };

  const packets = new Array<HandedOffPacket>(BATCH);
  let continuing = false;
  // Serves the queue until it is empty (then sleeps until the receive thread wakes it) or for
  // YIELD_EVERY_MS (then goes on after its event loop has turned: the receiver's timers and I/O,
  // a TCP endpoint's retransmissions, run at least that often).
  const serve = (): void => {
    const started = performance.now();
    for (;;) {
      let available = handOff.available;
      // While every worker is busy the session lends them its ring: this thread receives the next
      // batch itself (some of it may be for the other workers), and nobody wakes for it.
      if (available === 0 && wakeUps !== undefined && wakeUps.pull() > 0) {
        available = handOff.available;
      }
      if (available === 0) available = pollBriefly(handOff);
      if (available === 0) {
        publishCounters();
        if (handOff.isClosed) {
          finish();
          return;
        }
        if (handOff.sleep()) return;
        continue;
      }
      while (available > 0) {
        const count = Math.min(available, BATCH);
        for (let i = 0; i < count; i++) {
          packets[i] = handedOff.receive(handOff.peek(i, 0), handOff.peek(i, 1));
        }
        handOff.take(count);
        handedOff.beginBatch();
        try {
          handler?.(packets, count);
        } finally {
          handedOff.endBatch();
        }
        available -= count;
      }
      if (performance.now() - started >= YIELD_EVERY_MS) {
        publishCounters();
        if (!continuing) {
          continuing = true;
          setImmediate(goOn);
        }
        return;
      }
    }
  };
  const goOn = (): void => {
    continuing = false;
    serve();
  };

  try {
    wakeUps = new (nativeAddon().NativeSteeredWorker)(data.steeringId, data.index, serve);
  } catch (error) {
    post({ kind: "start-failed", error: describeWorkerError(error) });
    return;
  }
  // The port's message channel keeps the thread alive until the port says stop (the wake-ups do
  // not); the queue is closed then, and serving what is left ends the thread.
  port?.on("message", (message: PortMessage) => {
    if (message.kind === "stop") {
      handOff.close();
      serve();
    }
  });
  post({ kind: "ready" });
  // Packets may have come before the wake-ups were in place.
  serve();
}

main().catch((error: unknown) => {
  post({ kind: "error", error: describeWorkerError(error) });
  process.exit(1);
});
