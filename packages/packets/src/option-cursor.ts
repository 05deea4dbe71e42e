import { checkByteSpan } from "./byte-range.js";

/**
 * Walks the kind-length-value option lists that IPv4 (RFC 791 §3.1) and TCP (RFC 9293 §3.1) share:
 * kind 0 ends the list, kind 1 is a one-byte no-op, every other kind carries a length byte that
 * counts the kind and length bytes too. A length below 2 or beyond the list is reported as
 * `"bad-length"`; nothing past `end` is read. One cursor is reused for any number of lists.
 */
export type OptionCursorStatus = "ok" | "end" | "bad-length";

let point: (cursor: OptionCursor, bytes: Uint8Array, start: number, end: number) => void;

export class OptionCursor {
  /** The current option's kind, valid after `next()` returned true. */
  kind = 0;
  /** Where the current option's value starts (after its kind and length bytes). */
  valueOffset = 0;
  /** The current option's value length (its length byte minus 2). */
  valueLength = 0;
  /** `"ok"` while walking, `"end"` after the last option, `"bad-length"` when the list is malformed. */
  status: OptionCursorStatus = "end";
  #bytes: Uint8Array = new Uint8Array(0);
  #position = 0;
  #end = 0;

  /**
   * Points the cursor at the list `bytes[start .. end)`. Throws a RangeError unless `start` and
   * `end` are integers with `0 <= start <= end <= bytes.length`.
   */
  reset(bytes: Uint8Array, start: number, end: number): this {
    checkByteSpan("OptionCursor.reset", bytes, start, end);
    point(this, bytes, start, end);
    return this;
  }

  static {
    point = (cursor, bytes, start, end) => {
      cursor.#bytes = bytes;
      cursor.#position = start;
      cursor.#end = end;
      cursor.status = "ok";
    };
  }

  /** Moves to the next option other than no-op; false at the end of the list or on a bad length. */
  next(): boolean {
    if (this.status !== "ok") return false;
    const bytes = this.#bytes;
    const end = this.#end;
    let position = this.#position;
    while (position < end && bytes[position] === 1) position++;
    if (position >= end || bytes[position] === 0) {
      this.#position = end;
      this.status = "end";
      return false;
    }
    if (position + 1 >= end) return this.#fail();
    const length = bytes[position + 1]!;
    if (length < 2 || position + length > end) return this.#fail();
    this.kind = bytes[position]!;
    this.valueOffset = position + 2;
    this.valueLength = length - 2;
    this.#position = position + length;
    return true;
  }

  #fail(): false {
    this.status = "bad-length";
    this.#position = this.#end;
    return false;
  }
}

/**
 * `cursor.reset` without the range check, for callers in this package that have just checked it
 * under their own name: one check per TCP segment instead of two.
 */
export function pointCursor(
  cursor: OptionCursor,
  bytes: Uint8Array,
  start: number,
  end: number,
): OptionCursor {
  point(cursor, bytes, start, end);
  return cursor;
}
