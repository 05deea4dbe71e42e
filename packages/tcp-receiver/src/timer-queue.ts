/** Something with one deadline in a `TimerQueue`. */
export interface TimerEntry {
  /** Where the entry sits in the queue's heap; -1 when not queued. Owned by the queue. */
  timerIndex: number;
  /** The deadline in milliseconds on the `performance.now()` clock. Owned by the queue. */
  timerDeadline: number;
  /** Called once the deadline has passed. The entry is no longer queued when this runs. */
  onTimer(now: number): void;
}

/**
 * One timer structure for every connection of a receiver: a binary min-heap of deadlines and a
 * single Node.js timer armed at the earliest one. Each connection keeps one entry holding its
 * earliest deadline (retransmission, delayed ACK, keepalive, TIME-WAIT, ...), so 10,000 idle
 * connections cost heap slots, not timers or CPU. Scheduling and cancelling are O(log n) and
 * allocate nothing; the Node timer is re-armed only when the earliest deadline moves earlier, and
 * a timer that fires early (after a cancel) simply re-arms itself.
 */
export class TimerQueue {
  readonly #heap: TimerEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #armedAt = Number.POSITIVE_INFINITY;
  #closed = false;
  readonly #fire = (): void => {
    this.#timer = undefined;
    this.#armedAt = Number.POSITIVE_INFINITY;
    this.runDue(performance.now());
  };

  constructor(readonly clock: () => number = () => performance.now()) {}

  get size(): number {
    return this.#heap.length;
  }

  /** Sets `entry`'s deadline (queuing it if needed). */
  schedule(entry: TimerEntry, deadline: number): void {
    if (this.#closed) return;
    const heap = this.#heap;
    if (entry.timerIndex < 0) {
      entry.timerIndex = heap.length;
      entry.timerDeadline = deadline;
      heap.push(entry);
      this.#siftUp(entry.timerIndex);
    } else {
      const earlier = deadline < entry.timerDeadline;
      entry.timerDeadline = deadline;
      if (earlier) this.#siftUp(entry.timerIndex);
      else this.#siftDown(entry.timerIndex);
    }
    this.#arm();
  }

  cancel(entry: TimerEntry): void {
    const index = entry.timerIndex;
    if (index < 0) return;
    const heap = this.#heap;
    const last = heap.pop()!;
    entry.timerIndex = -1;
    if (last !== entry) {
      heap[index] = last;
      last.timerIndex = index;
      this.#siftDown(index);
      this.#siftUp(last.timerIndex);
    }
  }

  /** Runs every entry whose deadline is at or before `now`, then re-arms for the rest. */
  runDue(now: number): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.timerDeadline <= now) {
      const entry = heap[0]!;
      this.cancel(entry);
      entry.onTimer(now);
    }
    this.#arm();
  }

  /** Stops the Node timer and forgets every entry. */
  close(): void {
    this.#closed = true;
    for (const entry of this.#heap) entry.timerIndex = -1;
    this.#heap.length = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const first = this.#heap[0];
    if (first === undefined || this.#closed) return;
    const deadline = first.timerDeadline;
    if (this.#timer !== undefined && this.#armedAt <= deadline) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedAt = deadline;
    this.#timer = setTimeout(this.#fire, Math.max(0, Math.ceil(deadline - this.clock())));
    // The port keeps the process alive while it runs; idle TCP state alone should not.
    this.#timer.unref();
  }

  #siftUp(start: number): void {
    const heap = this.#heap;
    let index = start;
    const entry = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.timerDeadline <= entry.timerDeadline) break;
      heap[index] = parent;
      parent.timerIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.timerIndex = index;
  }

  #siftDown(start: number): void {
    const heap = this.#heap;
    const length = heap.length;
    let index = start;
    const entry = heap[index]!;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child =
        right < length && heap[right]!.timerDeadline < heap[left]!.timerDeadline ? right : left;
      const childEntry = heap[child]!;
      if (childEntry.timerDeadline >= entry.timerDeadline) break;
      heap[index] = childEntry;
      childEntry.timerIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.timerIndex = index;
  }
}
