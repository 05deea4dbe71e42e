/**
 * Argument checks for the calls that read or write `bytes[offset .. offset + length)`. A typed
 * array reads `undefined` at a negative, fractional or NaN index and ignores writes there, so an
 * unchecked bad argument gives a wrong answer silently instead of failing. The checks are a few
 * comparisons; only a failing one builds anything.
 */

function describeNumber(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

function offsetError(
  where: string,
  name: string,
  bytes: Uint8Array,
  value: number,
  span: number,
): RangeError {
  const last = bytes.length - span;
  const allowed =
    last < 0
      ? `an integer, but ${bytes.length} bytes cannot hold the ${span} it needs`
      : `an integer from 0 to ${last}`;
  return new RangeError(`${where}: ${name} must be ${allowed}, got ${describeNumber(value)}`);
}

/** Throws a RangeError unless `offset` is an integer with `bytes[offset .. offset + span)` inside `bytes`. */
export function checkOffset(
  where: string,
  name: string,
  bytes: Uint8Array,
  offset: number,
  span: number,
): void {
  if (!(Number.isInteger(offset) && offset >= 0 && offset + span <= bytes.length)) {
    throw offsetError(where, name, bytes, offset, span);
  }
}

// Each check is one condition; the message is built out of line, only when the check fails.

/**
 * Throws a RangeError, naming `where` and the argument, unless `offset` and `length` are integers
 * with `0 <= offset` and `offset + length <= bytes.length`.
 */
export function checkByteRange(
  where: string,
  bytes: Uint8Array,
  offset: number,
  length: number,
): void {
  if (
    !(
      Number.isInteger(offset) &&
      Number.isInteger(length) &&
      offset >= 0 &&
      length >= 0 &&
      offset + length <= bytes.length
    )
  ) {
    throw byteRangeError(where, bytes, offset, length);
  }
}

function byteRangeError(
  where: string,
  bytes: Uint8Array,
  offset: number,
  length: number,
): RangeError {
  if (!(Number.isInteger(offset) && offset >= 0 && offset <= bytes.length)) {
    return offsetError(where, "offset", bytes, offset, 0);
  }
  return new RangeError(
    `${where}: length must be an integer from 0 to ${bytes.length - offset}, got ${describeNumber(length)}`,
  );
}

/** The same check for a range given as `[start, end)`. */
export function checkByteSpan(where: string, bytes: Uint8Array, start: number, end: number): void {
  if (
    !(
      Number.isInteger(start) &&
      Number.isInteger(end) &&
      start >= 0 &&
      start <= end &&
      end <= bytes.length
    )
  ) {
    throw byteSpanError(where, bytes, start, end);
  }
}

function byteSpanError(where: string, bytes: Uint8Array, start: number, end: number): RangeError {
  if (!(Number.isInteger(start) && start >= 0 && start <= bytes.length)) {
    return offsetError(where, "start", bytes, start, 0);
  }
  return new RangeError(
    `${where}: end must be an integer from ${start} to ${bytes.length}, got ${describeNumber(end)}`,
  );
}

/** Throws a RangeError unless `value` is a non-negative integer. */
export function checkLength(where: string, name: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0)) throw lengthError(where, name, value);
}

function lengthError(where: string, name: string, value: number): RangeError {
  return new RangeError(
    `${where}: ${name} must be a non-negative integer, got ${describeNumber(value)}`,
  );
}
