import { MagmaError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { PacketMemoryPool } from "./packet-memory-pool.js";
import type { PacketPoolError } from "./packet-pool-error.js";
import type { PooledPacket } from "./pooled-packet.js";
import { poolErrorCode } from "./test-support/pool-error-code.js";

describe("PacketMemoryPool", () => {
  it("defaults to 2048 small slots of 2048 bytes in four slabs and eight 65536-byte slots in a fifth", () => {
    const pool = new PacketMemoryPool();
    expect(pool.slotSize).toBe(2048);
    expect(pool.largeSlotSize).toBe(65536);
    expect(pool.slotCount).toBe(2048 + 8);
    expect(pool.slabs.map((slab) => slab.byteLength)).toEqual([
      2048 * 512,
      2048 * 512,
      2048 * 512,
      2048 * 512,
      65536 * 8,
    ]);
    expect(pool.stats).toEqual({
      capacity: 2056,
      inUse: 0,
      highWaterMark: 0,
      failedRents: 0,
      small: { slotSize: 2048, capacity: 2048, inUse: 0, highWaterMark: 0, failedRents: 0 },
      large: { slotSize: 65536, capacity: 8, inUse: 0, highWaterMark: 0, failedRents: 0 },
    });
  });

  it("places every slot by slab index and byte offset, its memory a view of exactly those bytes", () => {
    const pool = new PacketMemoryPool({
      slotSize: 64,
      slotsPerSlab: 3,
      slabCount: 2,
      largeSlotCount: 2,
    });
    const placements = Array.from({ length: pool.slotCount }, (_, id) => {
      const slot = pool.slot(id);
      return [slot.id, slot.slabIndex, slot.byteOffset, slot.capacity];
    });
    expect(placements).toEqual([
      [0, 0, 0, 64],
      [1, 0, 64, 64],
      [2, 0, 128, 64],
      [3, 1, 0, 64],
      [4, 1, 64, 64],
      [5, 1, 128, 64],
      [6, 2, 0, 65536],
      [7, 2, 65536, 65536],
    ]);
    const owner = pool.tryRent(10)!;
    owner.memory.set([1, 2, 3]);
    const native = new Uint8Array(pool.slabs[owner.slabIndex]!, owner.byteOffset, 3);
    expect(Array.from(native)).toEqual([1, 2, 3]);
    expect(owner.memory.buffer).toBe(pool.slabs[owner.slabIndex]);
    expect(owner.memory.byteOffset).toBe(owner.byteOffset);
    expect(owner.memory.byteLength).toBe(owner.capacity);
  });

  it("picks the size class by requested size and starts the length at that size", () => {
    const pool = new PacketMemoryPool({ slotSize: 2048 });
    const small = pool.tryRent(2048)!;
    const large = pool.tryRent(2049)!;
    const largest = pool.tryRent(65535)!;
    const unsized = pool.tryRent()!;
    expect([small.capacity, small.length]).toEqual([2048, 2048]);
    expect([large.capacity, large.length]).toEqual([65536, 2049]);
    expect([largest.capacity, largest.length]).toEqual([65536, 65535]);
    expect([unsized.capacity, unsized.length]).toEqual([2048, 0]);
    expect(pool.stats.small.inUse).toBe(2);
    expect(pool.stats.large.inUse).toBe(2);
  });

  it("returns undefined and counts a failed rent when a size class is exhausted", () => {
    const pool = new PacketMemoryPool({
      slotSize: 64,
      slotsPerSlab: 2,
      slabCount: 1,
      largeSlotCount: 1,
    });
    expect(pool.tryRent()).toBeDefined();
    expect(pool.tryRent()).toBeDefined();
    expect(pool.tryRent()).toBeUndefined();
    expect(pool.tryRent(1000)).toBeDefined();
    expect(pool.tryRent(1000)).toBeUndefined();
    expect(pool.tryRent(1000)).toBeUndefined();
    expect(pool.stats).toMatchObject({ inUse: 3, highWaterMark: 3, failedRents: 3 });
    expect(pool.stats.small).toMatchObject({ inUse: 2, failedRents: 1 });
    expect(pool.stats.large).toMatchObject({ inUse: 1, failedRents: 2 });
  });

  it("hands a returned slot out again as the same owner object over the same memory", () => {
    const pool = new PacketMemoryPool({ slotSize: 64, slotsPerSlab: 4, slabCount: 1 });
    const first = pool.tryRent()!;
    const view = first.memory;
    first.dispose();
    const again = pool.tryRent()!;
    expect(again).toBe(first);
    expect(again.memory).toBe(view);
    expect(pool.slot(first.id)).toBe(first);
  });

  it("keeps the high-water mark after slots come back", () => {
    const pool = new PacketMemoryPool({ slotSize: 64, slotsPerSlab: 8, slabCount: 1 });
    const owners = [pool.tryRent()!, pool.tryRent()!, pool.tryRent(100)!];
    for (const owner of owners) owner.dispose();
    pool.tryRent()!.dispose();
    expect(pool.stats).toMatchObject({ inUse: 0, highWaterMark: 3 });
    expect(pool.stats.small).toMatchObject({ inUse: 0, highWaterMark: 2 });
    expect(pool.stats.large).toMatchObject({ inUse: 0, highWaterMark: 1 });
  });

  it("updates one live statistics object in place rather than building a new one per read", () => {
    const pool = new PacketMemoryPool();
    const stats = pool.stats;
    const owner = pool.tryRent()!;
    expect(pool.stats).toBe(stats);
    expect(stats.inUse).toBe(1);
    owner.dispose();
    expect(stats.inUse).toBe(0);
  });

  it("rents a batch of small slots into a caller's array and counts the ones it could not", () => {
    const pool = new PacketMemoryPool({ slotSize: 64, slotsPerSlab: 3, slabCount: 1 });
    const target = new Array<PooledPacket>(5);
    expect(pool.rentInto(target, 2)).toBe(2);
    expect(target.slice(0, 2).map((owner) => [owner.id, owner.length, owner.isRented])).toEqual([
      [0, 0, true],
      [1, 0, true],
    ]);
    expect(pool.rentInto(target, 5)).toBe(1);
    expect(target[0]!.id).toBe(2);
    expect(pool.stats).toMatchObject({ inUse: 3, failedRents: 4 });
    expect(pool.stats.small.failedRents).toBe(4);
    expect(pool.rentInto(target, 0)).toBe(0);
  });

  it("rejects sizes no slot can hold with a typed error naming the argument, value and range", () => {
    const pool = new PacketMemoryPool();
    const range = "PacketMemoryPool.tryRent: size must be an integer from 0 to 65535";
    expect(poolErrorCode(() => pool.tryRent(65536))).toBe("SIZE_TOO_LARGE");
    expect(() => pool.tryRent(65536)).toThrow(`${range}, got 65536 (an IP packet's`);
    for (const [size, shown] of [
      [-1, "-1"],
      [1.5, "1.5"],
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      ["70000", '"70000"'],
      [null, "null"],
    ] as const) {
      expect(poolErrorCode(() => pool.tryRent(size as number))).toBe("INVALID_SIZE");
      expect(() => pool.tryRent(size as number)).toThrow(`${range}, got ${shown}`);
    }
    expect(pool.stats.failedRents).toBe(0);
    expect(pool.stats.inUse).toBe(0);
  });

  it("rejects bad slot ids, rent counts and targets with a typed error naming the argument, value and range", () => {
    const pool = new PacketMemoryPool({
      slotSize: 64,
      slotsPerSlab: 2,
      slabCount: 1,
      largeSlotCount: 0,
    });
    for (const [id, shown] of [
      [2, "2"],
      [-1, "-1"],
      [0.5, "0.5"],
      ["0", '"0"'],
    ] as const) {
      expect(poolErrorCode(() => pool.slot(id as number))).toBe("INVALID_ARGUMENT");
      expect(() => pool.slot(id as number)).toThrow(
        `PacketMemoryPool.slot: id must be an integer from 0 to 1, got ${shown}`,
      );
    }
    for (const [count, shown] of [
      [-1, "-1"],
      [1.5, "1.5"],
      [Number.NaN, "NaN"],
      ["2", '"2"'],
    ] as const) {
      expect(poolErrorCode(() => pool.rentInto([], count as number))).toBe("INVALID_ARGUMENT");
      expect(() => pool.rentInto([], count as number)).toThrow(
        `PacketMemoryPool.rentInto: count must be a non-negative integer, got ${shown}`,
      );
    }
    // A bad target used to fail on the first store, after a slot was rented and then lost.
    for (const [target, shown] of [
      [undefined, "undefined"],
      [{}, "an object"],
      [new Uint32Array(2), "a Uint32Array"],
    ] as const) {
      expect(() => pool.rentInto(target as unknown as PooledPacket[], 1)).toThrow(
        `PacketMemoryPool.rentInto: target must be an array, got ${shown}`,
      );
    }
    expect(pool.stats.inUse).toBe(0);
    expect(pool.stats.failedRents).toBe(0);
  });

  it("has no large slab and fails large rents when largeSlotCount is 0", () => {
    const pool = new PacketMemoryPool({
      slotSize: 64,
      slotsPerSlab: 2,
      slabCount: 1,
      largeSlotCount: 0,
    });
    expect(pool.slabs).toHaveLength(1);
    expect(pool.tryRent(65)).toBeUndefined();
    expect(pool.stats.large).toMatchObject({ capacity: 0, failedRents: 1 });
  });

  it("throws errors that are MagmaErrors with a hint", () => {
    const pool = new PacketMemoryPool();
    const owner = pool.tryRent()!;
    owner.dispose();
    let caught: unknown;
    try {
      owner.dispose();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MagmaError);
    expect(caught).toMatchObject({ name: "PacketPoolError", code: "ALREADY_DISPOSED" });
    expect((caught as PacketPoolError).hint).toMatch(/dispose/);
  });
});
