/** Counters for one size class of a {@link PacketMemoryPool}. */
export interface SizeClassStatistics {
  /** Bytes per slot in this class. */
  readonly slotSize: number;
  /** Slots in this class. */
  readonly capacity: number;
  /** Slots rented now. */
  readonly inUse: number;
  /** The most slots ever rented at once. */
  readonly highWaterMark: number;
  /** Rents that found no free slot (each slot `rentInto` could not deliver counts as one). */
  readonly failedRents: number;
}

/**
 * A pool's counters. `pool.stats` is one live object updated in place as slots are rented and
 * returned: reading it allocates nothing, and a reference kept keeps showing current values.
 * Copy it (`structuredClone(pool.stats)`) for a snapshot.
 */
export interface PacketMemoryPoolStatistics {
  /** Slots in every size class. */
  readonly capacity: number;
  /** Slots rented now, in every size class. */
  readonly inUse: number;
  /** The most slots ever rented at once, counted over every size class together. */
  readonly highWaterMark: number;
  /** Rents that found no free slot, in every size class. */
  readonly failedRents: number;
  /** Slots of `slotSize` bytes: ordinary packets. */
  readonly small: SizeClassStatistics;
  /** Slots of 65536 bytes: packets larger than `slotSize`, up to 65535 bytes. */
  readonly large: SizeClassStatistics;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export type MutableSizeClassStatistics = Mutable<SizeClassStatistics>;
export type MutablePoolStatistics = Mutable<Omit<PacketMemoryPoolStatistics, "small" | "large">> & {
  readonly small: MutableSizeClassStatistics;
  readonly large: MutableSizeClassStatistics;
};

export function createSizeClassStatistics(
  slotSize: number,
  capacity: number,
): MutableSizeClassStatistics {
  return { slotSize, capacity, inUse: 0, highWaterMark: 0, failedRents: 0 };
}
