/**
 * Sends packets out of a port. Magma's `IPacketTransmitter`.
 *
 * Ownership: `tryGetNextBuffer(minLength?)` lends the caller a writable buffer. The caller writes
 * one packet at its start and then either sends it with `sendBuffer(buffer, length)` or gives the
 * buffer back unsent with `discardBuffer(buffer)`; either way ownership returns to the transmitter
 * and the caller must not touch the buffer again. A buffer that is neither sent nor discarded is
 * leaked. The rules are the same for buffers of every size.
 */
export interface IPacketTransmitter {
  /**
   * The largest packet this transmitter can send, in bytes (65535 for wintun, whose ring takes
   * nothing longer; less for a backend whose buffers are smaller). No lent buffer is longer, and it
   * is the most `tryGetNextBuffer` accepts. It never changes. A TCP stack derives the MSS it may
   * advertise from it, less its IP and TCP headers.
   */
  readonly maxPacketLength: number;

  /**
   * Lends a writable buffer of at least `minLength` bytes (and at most `maxPacketLength`) for one
   * outgoing packet. Without `minLength` it lends the backend's ordinary buffer, sized for an
   * MTU-sized packet: ask for more only for a packet that needs it, as large buffers are fewer.
   *
   * Returns `undefined` when no buffer of a fitting size is free (the backend counts that as a
   * drop) or when the port is closed. Never throws for lack of buffers.
   *
   * Throws a `PacketLengthError` ("INVALID_LENGTH", "PACKET_TOO_LARGE") when `minLength` is not an
   * integer from 0 to `maxPacketLength`: that is a bug in the caller, not a runtime condition.
   * `checkMinLength` makes that check for implementations.
   */
  tryGetNextBuffer(minLength?: number): Uint8Array | undefined;

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
