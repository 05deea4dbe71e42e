// A port worker's receiver module (TapPort's `workers.receiverModule`): answers echo requests in
// place, as PingAnswerer does, and tells the test, over a BroadcastChannel, the cap of the
// transmitter its worker was given.
import { turnEchoRequestIntoReply } from "@magma/packets";

const report = new BroadcastChannel("tap-port-worker-test");

export function packetReceiverFactory(transmitter) {
  report.postMessage({ maxPacketLength: transmitter.maxPacketLength });
  return {
    tryConsume(packet) {
      const bytes = packet.memory.subarray(0, packet.length);
      if (turnEchoRequestIntoReply(bytes) !== "replied") return packet;
      const buffer = transmitter.tryGetNextBuffer(bytes.length);
      if (buffer !== undefined) {
        buffer.set(bytes);
        transmitter.sendBuffer(buffer, bytes.length);
      }
      packet.dispose();
      return null;
    },
    flushPendingAcks() {},
  };
}
