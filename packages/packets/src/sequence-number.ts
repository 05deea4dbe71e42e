/**
 * TCP sequence numbers as unsigned 32-bit values compared with serial-number arithmetic
 * (RFC 793 §3.3, RFC 1982): `a` is before `b` when the signed 32-bit distance from `b` to `a` is
 * negative. Two numbers exactly 2^31 apart are undefined under RFC 1982; here each is "before"
 * the other, so callers must keep windows below 2^31 (TCP's are at most 2^30).
 */

/** `a` precedes `b`. */
export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** `a` precedes or equals `b`. */
export function seqLte(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** `a` follows `b`. */
export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** `a` follows or equals `b`. */
export function seqGte(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** `a + n` modulo 2^32, as an unsigned value. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** The signed distance `a - b` in [-2^31, 2^31): positive when `a` follows `b`. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** `low <= value < high` in sequence space (a receive-window test). */
export function seqInWindow(value: number, low: number, high: number): boolean {
  return (value - low) >>> 0 < (high - low) >>> 0;
}
