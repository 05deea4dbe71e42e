/**
 * A single-producer, single-consumer queue of fixed-size records of 32-bit integers in a
 * `SharedArrayBuffer`, between two threads: the session's receive thread hands received packets
 * (slot id, length) to a worker through one, and the worker hands slot ids back through another.
 * Nothing is allocated per record; each side keeps its own index and publishes it with one atomic
 * store per batch. The native side (native/src/session/shared_slot_queue.h) reads and writes the
 * same layout with the same sequentially consistent atomics.
 *
 * Waking: a consumer that finds the queue empty sets `sleeping` and then reads the tail again;
 * a producer publishes the tail and then reads `sleeping`. Both are sequentially consistent
 * atomics, so at least one of them sees the other's store: the consumer never sleeps on a record
 * that the producer believed it would see, and the producer wakes only a consumer that sleeps.
 * The producer is the session's receive thread, or a worker receiving in its stead (one at a
 * time, under the steering's lock): when it finds the consumer asleep it clears `sleeping` and
 * calls into the worker's event loop, so each sleep is ended by one wake-up.
 */
export class SharedSlotQueue {
  /** Records the queue holds at most: a power of two. */
  readonly capacity: number;
  /** 32-bit integers per record. */
  readonly width: number;
  readonly #header: Int32Array;
  readonly #records: Int32Array;
  readonly #mask: number;
  /** Producer side: the tail written so far (published or not). */
  #tail = 0;
  /** Consumer side: the head consumed so far (published or not). */
  #head = 0;

  /** The records a queue asked to hold `capacity` holds: the next power of two. */
  static capacityFor(capacity: number): number {
    return roundUpToPowerOfTwo(capacity);
  }

  /** Bytes of `SharedArrayBuffer` a queue of `capacity` records of `width` integers needs. */
  static byteLength(capacity: number, width: number): number {
    return (HEADER_FIELDS + SharedSlotQueue.capacityFor(capacity) * width) * 4;
  }

  /**
   * A view of the queue in `buffer`, which `SharedSlotQueue.byteLength(capacity, width)` sized and
   * which starts zeroed (empty). Each thread makes its own view of the same buffer.
   */
  constructor(buffer: SharedArrayBuffer, capacity: number, width: number) {
    this.capacity = SharedSlotQueue.capacityFor(capacity);
    this.width = width;
    this.#mask = this.capacity - 1;
    if (buffer.byteLength < SharedSlotQueue.byteLength(capacity, width)) {
      throw new RangeError("SharedSlotQueue: the buffer is too small for its capacity");
    }
    this.#header = new Int32Array(buffer, 0, HEADER_FIELDS);
    this.#records = new Int32Array(buffer, HEADER_FIELDS * 4, this.capacity * width);
    this.#tail = Atomics.load(this.#header, TAIL);
    this.#head = Atomics.load(this.#header, HEAD);
  }

  // --- producer ---

  /** Appends one record (not yet visible to the consumer); false when the queue is full. */
  push(first: number, second = 0): boolean {
    const tail = this.#tail;
    if (tail - Atomics.load(this.#header, HEAD) >= this.capacity) return false;
    const at = (tail & this.#mask) * this.width;
    this.#records[at] = first;
    if (this.width > 1) this.#records[at + 1] = second;
    this.#tail = (tail + 1) | 0;
    return true;
  }

  /** Makes the records pushed so far visible, with one atomic store. */
  publish(): void {
    Atomics.store(this.#header, TAIL, this.#tail);
  }

  // --- consumer ---

  /** Records published and not yet taken. */
  get available(): number {
    return (Atomics.load(this.#header, TAIL) - this.#head) | 0;
  }

  /** Field `field` of the `index`-th record not yet taken (index below `available`). */
  peek(index: number, field: number): number {
    return this.#records[((this.#head + index) & this.#mask) * this.width + field] as number;
  }

  /** Takes `count` records (after reading them with `peek`) and frees their room. */
  take(count: number): void {
    this.#head = (this.#head + count) | 0;
    Atomics.store(this.#header, HEAD, this.#head);
  }

  /**
   * Declares the consumer asleep: a producer that publishes from now on wakes it. Returns false,
   * and stays awake, when records arrived meanwhile and no producer took the flag yet; true when
   * it sleeps, or when a producer already took the flag and a wake-up is on its way.
   */
  sleep(): boolean {
    const header = this.#header;
    Atomics.store(header, SLEEPING, 1);
    if (Atomics.load(header, TAIL) === this.#head) return true;
    return Atomics.compareExchange(header, SLEEPING, 1, 0) !== 1;
  }

  // --- either side ---

  /** Marks the queue closed (the consumer ends once it has taken what is left). */
  close(): void {
    Atomics.store(this.#header, CLOSED, 1);
  }

  get isClosed(): boolean {
    return Atomics.load(this.#header, CLOSED) !== 0;
  }
}

const TAIL = 0;
const HEAD = 1;
const SLEEPING = 2;
const CLOSED = 3;
const HEADER_FIELDS = 4;

function roundUpToPowerOfTwo(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 24) {
    throw new RangeError("SharedSlotQueue: capacity must be an integer from 1 to 2^24");
  }
  return 2 ** Math.ceil(Math.log2(value));
}
