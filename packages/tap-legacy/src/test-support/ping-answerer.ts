// The smallest receiver that proves a port carries kernel traffic both ways: it answers every ICMP
// and ICMPv6 echo request in place (@magma/packets) and sends the reply through the port's
// transmitter, written against the contracts only, as any receiver is.
import { turnEchoRequestIntoReply } from "@magma/packets";
import type { IPacketReceiver, IPacketTransmitter, PacketOwner } from "@magma/transport";

export class PingAnswerer implements IPacketReceiver {
  received = 0;
  answered = 0;
  /** Bytes of the longest packet received. */
  longest = 0;

  constructor(private readonly transmitter: IPacketTransmitter) {}

  tryConsume<T extends PacketOwner>(packet: T): T | null {
    this.received++;
    const bytes = packet.memory.subarray(0, packet.length);
    this.longest = Math.max(this.longest, bytes.length);
    if (turnEchoRequestIntoReply(bytes) !== "replied") return packet; // declined: the port disposes
    const buffer = this.transmitter.tryGetNextBuffer(bytes.length);
    if (buffer !== undefined) {
      buffer.set(bytes);
      this.transmitter.sendBuffer(buffer, bytes.length);
      this.answered++;
    }
    packet.dispose();
    return null;
  }

  flushPendingAcks(): void {}
}
