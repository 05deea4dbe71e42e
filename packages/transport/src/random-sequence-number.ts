import { getRandomValues } from "node:crypto";

const BATCH = 256;

/**
 * Draws 32-bit TCP initial sequence numbers from the operating system's cryptographic source.
 * Values are fetched 256 at a time so that a connection burst costs one system call, not one each.
 */
export class RandomSequenceNumberSource {
  readonly #values = new Uint32Array(BATCH);
  #next = BATCH;

  next(): number {
    if (this.#next === BATCH) {
      getRandomValues(this.#values);
      this.#next = 0;
    }
    return this.#values[this.#next++]!;
  }
}
