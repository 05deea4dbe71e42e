/**
 * Sends packets out of a port. Magma's `IPacketTransmitter`.
 *
 * Ownership: `tryGetNextBuffer()` lends the caller a writable buffer. The caller writes one packet
 * at its start and then either sends it with `sendBuffer(buffer, length)` or gives the buffer back
 * unsent with `discardBuffer(buffer)`; either way ownership returns to the transmitter and the
 * caller must not touch the buffer again. A buffer that is neither sent nor discarded is leaked.
 */
export interface IPacketTransmitter {
  /**
   * Lends a writable buffer for one outgoing packet, or returns `undefined` when none is free
   * (the pool is exhausted or the port is closed). Never throws for lack of buffers.
   */
  tryGetNextBuffer(): Uint8Array | undefined;

  /**
   * Sends the first `length` bytes of a buffer lent by `tryGetNextBuffer()` (by default all of
   * it). `buffer` may also be a prefix view starting where the lent buffer starts. A packet that
   * cannot be delivered (full ring, closed session) is counted as a drop, not thrown; passing a
   * buffer this transmitter did not lend, or one already returned, throws.
   */
  sendBuffer(buffer: Uint8Array, length?: number): void;

  /** Returns a lent buffer without sending it. */
  discardBuffer(buffer: Uint8Array): void;

  /** A random initial sequence number for TCP, drawn from a cryptographic source. */
  randomSequenceNumber(): number;
}
