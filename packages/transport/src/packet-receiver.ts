import type { PacketOwner } from "./packet-owner.js";

/**
 * Consumes packets that arrive on a port. Magma's `IPacketReceiver`.
 *
 * Ownership: the port offers each received packet to `tryConsume`. Returning `null` means the
 * receiver took the packet: it now owns `input` and must `dispose()` it when done (possibly much
 * later). Returning `input` itself means the receiver declined it: ownership stays with the port,
 * which disposes it. Returning anything else is a contract violation.
 */
export interface IPacketReceiver {
  tryConsume<T extends PacketOwner>(input: T): T | null;

  /**
   * Called by the port once after each batch of received packets, so that a receiver can coalesce
   * its replies (delayed ACKs) per batch instead of answering packet by packet.
   */
  flushPendingAcks(): void;
}
