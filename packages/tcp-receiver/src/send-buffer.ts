/**
 * The bytes a connection has accepted from its application and not yet seen acknowledged: from
 * SND.UNA onward, both sent and unsent. Chunks are kept as the application wrote them (no copy on
 * write); segments copy out of them straight into transmitter buffers, and `consume()` drops what
 * the peer acknowledged. Positions are byte counts since the connection began (53-bit safe), so
 * sequence numbers map to them with one subtraction and never wrap.
 */
export class SendBuffer {
  readonly #chunks: Uint8Array[] = [];
  /** Index of the first live chunk in `#chunks` (consumed chunks before it are compacted lazily). */
  #head = 0;
  /** Position of the first byte of `#chunks[#head]`. */
  #headPosition = 0;
  /** Position of the first unacknowledged byte (≥ `#headPosition`). */
  #start = 0;
  /** Position after the last byte. */
  #end = 0;
  /** A read cursor, so sequential copies find their chunk in O(1). */
  #cursorIndex = 0;
  #cursorPosition = 0;

  /** Bytes held (sent and unsent). */
  get length(): number {
    return this.#end - this.#start;
  }

  /** Position of the first held byte: the one at SND.UNA. */
  get start(): number {
    return this.#start;
  }

  /** Position after the last held byte. */
  get end(): number {
    return this.#end;
  }

  append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#end += chunk.length;
  }

  /** Drops `count` bytes from the front (the peer acknowledged them). */
  consume(count: number): void {
    const target = Math.min(this.#start + count, this.#end);
    this.#start = target;
    const chunks = this.#chunks;
    while (this.#head < chunks.length) {
      const first = chunks[this.#head]!;
      if (this.#headPosition + first.length > target) break;
      this.#headPosition += first.length;
      this.#head++;
    }
    if (this.#cursorIndex < this.#head) {
      this.#cursorIndex = this.#head;
      this.#cursorPosition = this.#headPosition;
    }
    // Compact once the dead prefix dominates, so the array neither grows nor shifts per ACK.
    if (this.#head > 64 && this.#head * 2 > chunks.length) {
      chunks.splice(0, this.#head);
      this.#cursorIndex -= this.#head;
      this.#head = 0;
    }
  }

  /**
   * Copies `count` bytes starting at `position` into `target[targetOffset ..]`. The range must be
   * held (`start ≤ position`, `position + count ≤ end`).
   */
  copyOut(position: number, count: number, target: Uint8Array, targetOffset: number): void {
    const chunks = this.#chunks;
    if (position < this.#cursorPosition) {
      this.#cursorIndex = this.#head;
      this.#cursorPosition = this.#headPosition;
    }
    let index = this.#cursorIndex;
    let chunkPosition = this.#cursorPosition;
    while (chunkPosition + chunks[index]!.length <= position) {
      chunkPosition += chunks[index]!.length;
      index++;
    }
    this.#cursorIndex = index;
    this.#cursorPosition = chunkPosition;
    let remaining = count;
    let at = targetOffset;
    let inChunk = position - chunkPosition;
    while (remaining > 0) {
      const chunk = chunks[index]!;
      const take = Math.min(chunk.length - inChunk, remaining);
      target.set(
        inChunk === 0 && take === chunk.length ? chunk : chunk.subarray(inChunk, inChunk + take),
        at,
      );
      at += take;
      remaining -= take;
      index++;
      inChunk = 0;
    }
  }

  /** Forgets everything (the connection was reset). */
  clear(): void {
    this.#chunks.length = 0;
    this.#head = 0;
    this.#headPosition = this.#end;
    this.#start = this.#end;
    this.#cursorIndex = 0;
    this.#cursorPosition = this.#end;
  }
}
