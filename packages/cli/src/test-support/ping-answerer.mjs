// The receiver of serve-port.mjs, in a module of its own so that a port's workers can import it
// (`workers.receiverModule`): it answers pings in place, in a buffer of the port's transmitter.
import { turnEchoRequestIntoReply } from "@magma/packets";

class PingAnswerer {
  constructor(transmitter) {
    this.transmitter = transmitter;
  }

  tryConsume(input) {
    const reply = this.transmitter.tryGetNextBuffer(input.length);
    if (reply === undefined) return input;
    reply.set(input.memory.subarray(0, input.length));
    if (turnEchoRequestIntoReply(reply, 0, input.length) !== "replied") {
      this.transmitter.discardBuffer(reply);
      return input;
    }
    this.transmitter.sendBuffer(reply, input.length);
    input.dispose();
    return null;
  }

  flushPendingAcks() {}
}

export function packetReceiverFactory(transmitter) {
  return new PingAnswerer(transmitter);
}
