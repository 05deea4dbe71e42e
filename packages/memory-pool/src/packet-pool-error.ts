import { MagmaError } from "@magma/transport";

/** What went wrong, machine-readable; see {@link PacketPoolError}. */
export type PacketPoolErrorCode =
  /** The pool's options are out of range; nothing was allocated. */
  | "INVALID_OPTIONS"
  /** A rent asked for a negative or fractional size. */
  | "INVALID_SIZE"
  /** A rent asked for more than 65535 bytes, the largest packet an adapter carries. */
  | "SIZE_TOO_LARGE"
  /** `length` was set outside `0 .. capacity`, or to a fractional value. */
  | "INVALID_LENGTH"
  /** `slot(id)` or `rentInto` was given an id or count outside its range. */
  | "INVALID_ARGUMENT"
  /** A slot's memory or length was used, or it was disposed, before it was ever rented. */
  | "NOT_RENTED"
  /** A slot was disposed twice, or used after it was disposed. */
  | "ALREADY_DISPOSED";

/**
 * Every error `@magma/memory-pool` throws. All of them are caller bugs (an exhausted pool is not an
 * error: `tryRent` returns `undefined`), so they are thrown rather than counted.
 */
export class PacketPoolError extends MagmaError<PacketPoolErrorCode> {}
