/**
 * A fixed-capacity stack of slot ids in an `Int32Array`: the free list of one size class.
 * Push and pop touch one element and one counter, so returning and renting slots never allocates.
 * Last in, first out, so the most recently returned (cache-warm) slot is rented next.
 */
export class SlotStack {
  readonly #ids: Int32Array;
  #size = 0;

  constructor(capacity: number) {
    this.#ids = new Int32Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  /** Returns the id on top, or -1 when the stack is empty. */
  pop(): number {
    if (this.#size === 0) return -1;
    this.#size -= 1;
    return this.#ids[this.#size]!;
  }

  /** Callers guarantee the stack is not full: each id is pushed at most once per pop. */
  push(id: number): void {
    this.#ids[this.#size] = id;
    this.#size += 1;
  }
}
