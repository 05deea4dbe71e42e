/**
 * Cuts bytes arriving in pieces into newline-terminated lines, refusing a line longer than
 * `maxLength` bytes, so a peer that never sends a newline cannot make the reader buffer without
 * bound. Bytes after a line stay available (`rest()`): a reply may be followed by a stream.
 */
export class LineReader {
  readonly #maxLength: number;
  #pending: Buffer = Buffer.alloc(0);

  constructor(maxLength: number) {
    this.#maxLength = maxLength;
  }

  /**
   * Takes the next bytes; returns the next whole line (without its newline), or undefined when
   * none is complete yet. Call again with an empty chunk for further lines. Throws `RangeError`
   * when a line is longer than the limit.
   */
  next(chunk: Buffer = Buffer.alloc(0)): string | undefined {
    if (chunk.length > 0) {
      this.#pending = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    }
    const end = this.#pending.indexOf(10);
    if (end < 0) {
      if (this.#pending.length > this.#maxLength) {
        throw new RangeError(`a line longer than ${this.#maxLength} bytes`);
      }
      return undefined;
    }
    if (end > this.#maxLength) throw new RangeError(`a line longer than ${this.#maxLength} bytes`);
    const line = this.#pending.subarray(0, end).toString("utf8");
    this.#pending = this.#pending.subarray(end + 1);
    return line;
  }

  /** The bytes received after the last line returned. */
  rest(): Buffer {
    return this.#pending;
  }
}
