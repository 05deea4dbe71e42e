import { describeValue } from "@magma/transport";
import {
  LARGE_SLOT_SIZE,
  MAX_PACKET_SIZE,
  type PacketMemoryPoolOptions,
  resolvePoolLayout,
} from "./packet-memory-pool-options.js";
import {
  createSizeClassStatistics,
  type MutablePoolStatistics,
  type PacketMemoryPoolStatistics,
} from "./packet-memory-pool-statistics.js";
import { PacketPoolError } from "./packet-pool-error.js";
import { PooledPacket } from "./pooled-packet.js";
import { SlotSizeClass } from "./slot-size-class.js";

/**
 * Packet memory shared by native code and JavaScript: fixed-size slots carved from a few large
 * `ArrayBuffer` slabs, rented and returned without allocating.
 *
 * Two size classes: small slots of `slotSize` bytes (default 2048, room for a 1500-byte MTU) in
 * `slabCount` slabs, then large slots of 65536 bytes in one slab of their own, for packets up to
 * 65535 bytes. Slot ids run over both: small slots first, then large. Every slab, every slot's
 * owner object and every slot's view is created here, once; the slabs never move or grow.
 */
export class PacketMemoryPool {
  /** Bytes per small slot. */
  readonly slotSize: number;
  /** Bytes per large slot: 65536. */
  readonly largeSlotSize: number = LARGE_SLOT_SIZE;
  /**
   * Every slab: the small-slot slabs in order, then the large-slot slab (if any). `ArrayBuffer`s,
   * or `SharedArrayBuffer`s for a pool made with `shared: true`.
   */
  readonly slabs: readonly ArrayBufferLike[];
  /** Whether the slabs are `SharedArrayBuffer`s (`shared: true`). */
  readonly shared: boolean;
  /** Slots in the pool, small and large; slot ids are `0 .. slotCount - 1`. */
  readonly slotCount: number;

  readonly #owners: PooledPacket[];
  readonly #small: SlotSizeClass;
  readonly #large: SlotSizeClass;
  readonly #stats: MutablePoolStatistics;

  constructor(options?: PacketMemoryPoolOptions) {
    const layout = resolvePoolLayout(options);
    const smallCount = layout.slotsPerSlab * layout.slabCount;
    const slab = (bytes: number): ArrayBufferLike =>
      layout.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const slabs: ArrayBufferLike[] = [];
    for (let i = 0; i < layout.slabCount; i += 1) {
      slabs.push(slab(layout.slotSize * layout.slotsPerSlab));
    }
    if (layout.largeSlotCount > 0) slabs.push(slab(LARGE_SLOT_SIZE * layout.largeSlotCount));
    this.slabs = Object.freeze(slabs);
    this.shared = layout.shared;
    this.slotSize = layout.slotSize;
    this.slotCount = smallCount + layout.largeSlotCount;

    const small = createSizeClassStatistics(layout.slotSize, smallCount);
    const large = createSizeClassStatistics(LARGE_SLOT_SIZE, layout.largeSlotCount);
    this.#stats = {
      capacity: this.slotCount,
      inUse: 0,
      highWaterMark: 0,
      failedRents: 0,
      small,
      large,
    };
    this.#owners = [];
    this.#small = new SlotSizeClass(this.#owners, 0, small, this.#stats);
    this.#large = new SlotSizeClass(this.#owners, smallCount, large, this.#stats);
    for (let id = 0; id < smallCount; id += 1) {
      const slabIndex = Math.floor(id / layout.slotsPerSlab);
      const byteOffset = (id % layout.slotsPerSlab) * layout.slotSize;
      this.#owners.push(
        new PooledPacket(this, this.#small, id, slabIndex, byteOffset, layout.slotSize),
      );
    }
    for (let i = 0; i < layout.largeSlotCount; i += 1) {
      const id = smallCount + i;
      this.#owners.push(
        new PooledPacket(
          this,
          this.#large,
          id,
          layout.slabCount,
          i * LARGE_SLOT_SIZE,
          LARGE_SLOT_SIZE,
        ),
      );
    }
  }

  /**
   * The pool's counters: one live object, updated in place, never reallocated. Reading it costs
   * nothing; keep a reference if you like, or `structuredClone` it for a snapshot.
   */
  get stats(): PacketMemoryPoolStatistics {
    return this.#stats;
  }

  /**
   * Rents a slot for a packet of `size` bytes (the owner's `length` starts at `size`; 0 when
   * omitted). Up to `slotSize` bytes get a small slot, up to 65535 a large one. Returns `undefined`
   * when that size class is exhausted, counting a failed rent; it never throws for that. Throws
   * `PacketPoolError` ("INVALID_SIZE", "SIZE_TOO_LARGE") only for a size no slot could hold.
   * The slot's bytes are whatever its last user left there.
   */
  tryRent(size?: number): PooledPacket | undefined {
    if (size === undefined) return this.#small.tryRent(0);
    if (size <= this.slotSize && size >= 0 && Number.isInteger(size)) {
      return this.#small.tryRent(size);
    }
    if (size <= MAX_PACKET_SIZE && size >= 0 && Number.isInteger(size)) {
      return this.#large.tryRent(size);
    }
    if (Number.isInteger(size) && size > MAX_PACKET_SIZE) {
      throw new PacketPoolError("SIZE_TOO_LARGE", sizeMessage(size), {
        hint: "an IP packet's total length is a 16-bit field; check where this size came from",
      });
    }
    throw new PacketPoolError("INVALID_SIZE", sizeMessage(size));
  }

  /**
   * Rents up to `count` small slots into `target[0 .. n)` and returns `n`: fewer than `count` when
   * the small slots run out (each slot missing counts as a failed rent). Each owner's `length`
   * starts at 0. Allocates nothing as long as `target` already has `count` elements. Throws
   * `PacketPoolError` "INVALID_ARGUMENT", renting nothing, unless `target` is an array and `count`
   * a non-negative integer.
   */
  rentInto(target: PooledPacket[], count: number): number {
    // Both checked before the first rent, so a bad call leaves no slot rented and undelivered.
    if (!Array.isArray(target)) {
      throw new PacketPoolError(
        "INVALID_ARGUMENT",
        `PacketMemoryPool.rentInto: target must be an array, got ${describeValue(target)}`,
      );
    }
    if (!Number.isInteger(count) || count < 0) {
      throw new PacketPoolError(
        "INVALID_ARGUMENT",
        `PacketMemoryPool.rentInto: count must be a non-negative integer, got ${describeValue(count)}`,
      );
    }
    for (let n = 0; n < count; n += 1) {
      const owner = this.#small.tryRent(0);
      if (owner === undefined) {
        const missing = count - n - 1;
        this.#stats.small.failedRents += missing;
        this.#stats.failedRents += missing;
        return n;
      }
      target[n] = owner;
    }
    return count;
  }

  /**
   * The owner object of slot `id`, rented or not: the same object every time. Native code that
   * reports slot ids uses this to find the owners; only a rented slot's memory may be used.
   * Throws `PacketPoolError` "INVALID_ARGUMENT" for an id that is not an integer in the pool.
   */
  slot(id: number): PooledPacket {
    const owner = this.#owners[id];
    if (owner === undefined || !Number.isInteger(id)) {
      throw new PacketPoolError(
        "INVALID_ARGUMENT",
        `PacketMemoryPool.slot: id must be an integer from 0 to ${this.slotCount - 1}, got ${describeValue(id)}`,
      );
    }
    return owner;
  }
}

function sizeMessage(size: unknown): string {
  return `PacketMemoryPool.tryRent: size must be an integer from 0 to ${MAX_PACKET_SIZE}, got ${describeValue(size)}`;
}
