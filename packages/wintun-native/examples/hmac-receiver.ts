import { createHmac } from "node:crypto";
import { turnUdpIntoReply } from "@magma/packets";
import type { IPacketReceiver, IPacketTransmitter, PacketOwner } from "@magma/transport";

/** The receiver module of worker-port.ts: each worker imports it and calls the factory. */
export const packetReceiverFactory = (transmitter: IPacketTransmitter): IPacketReceiver =>
  new HmacSigner(transmitter);

/**
 * Answers each UDP datagram of at least 32 bytes with its first 32 bytes replaced by the
 * HMAC-SHA256 of the whole payload: work per packet, as a VPN's encryption is.
 */
class HmacSigner implements IPacketReceiver {
  constructor(private readonly transmitter: IPacketTransmitter) {}

  tryConsume<T extends PacketOwner>(input: T): T | null {
    const reply = this.transmitter.tryGetNextBuffer(input.length);
    if (reply === undefined) return input;
    reply.set(input.memory.subarray(0, input.length));
    const payloadAt = ((reply[0] ?? 0) & 0x0f) * 4 + 8; // IPv4 header, then UDP's 8 bytes
    const isIpv4 = (reply[0] ?? 0) >> 4 === 4;
    if (
      !isIpv4 ||
      input.length - payloadAt < 32 ||
      turnUdpIntoReply(reply, 0, input.length) !== "replied"
    ) {
      this.transmitter.discardBuffer(reply);
      return input;
    }
    const payload = reply.subarray(payloadAt, input.length);
    reply.set(createHmac("sha256", "example key").update(payload).digest(), payloadAt);
    reply[payloadAt - 2] = 0; // the payload changed: UDP over IPv4 may go without a checksum
    reply[payloadAt - 1] = 0;
    this.transmitter.sendBuffer(reply, input.length);
    input.dispose();
    return null;
  }

  flushPendingAcks(): void {}
}
