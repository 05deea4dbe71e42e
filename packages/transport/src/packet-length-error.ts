import { MagmaError } from "./magma-error.js";

export type PacketLengthErrorCode = "INVALID_LENGTH" | "PACKET_TOO_LARGE";

/**
 * A buffer length no transmitter can lend: not a whole number of bytes ("INVALID_LENGTH"), or
 * more than its `maxPacketLength` ("PACKET_TOO_LARGE"). Always the caller's bug, never a sign of
 * load, so it is thrown rather than counted.
 */
export class PacketLengthError extends MagmaError<PacketLengthErrorCode> {
  override readonly name = "PacketLengthError";
}

/**
 * The check every `tryGetNextBuffer(minLength)` makes before it looks for a buffer: `minLength`
 * must be an integer from 0 to `maxPacketLength`. Throws `PacketLengthError` otherwise. Allocates
 * nothing unless it throws.
 */
export function checkMinLength(minLength: number, maxPacketLength: number): void {
  if (Number.isInteger(minLength) && minLength >= 0 && minLength <= maxPacketLength) return;
  if (Number.isInteger(minLength) && minLength > maxPacketLength) {
    throw new PacketLengthError(
      "PACKET_TOO_LARGE",
      `tryGetNextBuffer: no buffer of ${minLength} bytes; this transmitter sends at most ${maxPacketLength}`,
      { hint: "size packets (and a TCP MSS) from transmitter.maxPacketLength" },
    );
  }
  throw new PacketLengthError(
    "INVALID_LENGTH",
    `tryGetNextBuffer: minLength ${String(minLength)} is not an integer from 0 to ${maxPacketLength}`,
    { hint: "pass a whole number of bytes, or nothing for an ordinary buffer" },
  );
}
