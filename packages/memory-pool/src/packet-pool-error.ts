import { MagmaError } from "@magma/transport";

/** What went wrong, machine-readable; see {@link PacketPoolError}. */
export type PacketPoolErrorCode =
  /** A rent asked for a size that is not an integer, or a negative one. */
  | "INVALID_SIZE"
  /** A rent asked for more than 65535 bytes, the largest packet an adapter carries. */
  | "SIZE_TOO_LARGE"
  /** `length` was set outside `0 .. capacity`, or to a fractional value. */
  | "INVALID_LENGTH"
  /** `slot(id)` or `rentInto` was given an id, count or target outside what it takes. */
  | "INVALID_ARGUMENT"
  /** A slot's memory or length was used, or it was disposed, before it was ever rented. */
  | "NOT_RENTED"
  /** A slot was disposed twice, or used after it was disposed. */
  | "ALREADY_DISPOSED";

/**
 * Every error `@magma/memory-pool` throws after the pool is built (bad options to the constructor
 * are an `OptionError` from `@magma/transport`). All of them are caller bugs (an exhausted pool is
 * not an error: `tryRent` returns `undefined`), so they are thrown rather than counted. Each
 * message names the call, the argument, the value given and what is allowed.
 */
export class PacketPoolError extends MagmaError<PacketPoolErrorCode> {}
