import type {
  MutablePoolStatistics,
  MutableSizeClassStatistics,
} from "./packet-memory-pool-statistics.js";
import { lend, type PooledPacket } from "./pooled-packet.js";
import { SlotStack } from "./slot-stack.js";

/**
 * The slots of one size: a contiguous range of slot ids, their free list, and their counters.
 * Renting pops an id and updates counters in place; nothing here allocates after construction.
 */
export class SlotSizeClass {
  readonly #free: SlotStack;
  readonly #owners: readonly PooledPacket[];
  readonly #stats: MutableSizeClassStatistics;
  readonly #poolStats: MutablePoolStatistics;

  /** `owners` is the pool's table of every slot, indexed by id; this class owns `firstId ..`. */
  constructor(
    owners: readonly PooledPacket[],
    firstId: number,
    stats: MutableSizeClassStatistics,
    poolStats: MutablePoolStatistics,
  ) {
    this.#owners = owners;
    this.#stats = stats;
    this.#poolStats = poolStats;
    this.#free = new SlotStack(stats.capacity);
    // Pushed highest id first so the lowest id is rented first: predictable for tests and tools.
    for (let id = firstId + stats.capacity - 1; id >= firstId; id -= 1) this.#free.push(id);
  }

  /** Rents a slot holding a packet of `length` bytes, or counts a failed rent. */
  tryRent(length: number): PooledPacket | undefined {
    const id = this.#free.pop();
    if (id < 0) {
      this.#stats.failedRents += 1;
      this.#poolStats.failedRents += 1;
      return undefined;
    }
    const owner = this.#owners[id]!;
    lend(owner, length);
    const stats = this.#stats;
    stats.inUse += 1;
    if (stats.inUse > stats.highWaterMark) stats.highWaterMark = stats.inUse;
    const poolStats = this.#poolStats;
    poolStats.inUse += 1;
    if (poolStats.inUse > poolStats.highWaterMark) poolStats.highWaterMark = poolStats.inUse;
    return owner;
  }

  /** Takes back a slot its owner has just marked returned. */
  release(id: number): void {
    this.#free.push(id);
    this.#stats.inUse -= 1;
    this.#poolStats.inUse -= 1;
  }
}
