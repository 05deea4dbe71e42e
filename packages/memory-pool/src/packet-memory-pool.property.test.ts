import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PacketMemoryPool } from "./packet-memory-pool.js";
import type { PacketMemoryPoolOptions } from "./packet-memory-pool-options.js";
import { PacketPoolError } from "./packet-pool-error.js";
import type { PooledPacket } from "./pooled-packet.js";

type Operation =
  | { kind: "rent"; size: number | undefined }
  | { kind: "rentInto"; count: number }
  | { kind: "dispose"; pick: number }
  | { kind: "disposeAgain"; pick: number };

const layouts: fc.Arbitrary<PacketMemoryPoolOptions> = fc.record({
  slotSize: fc.integer({ min: 1, max: 64 }).map((eighths) => eighths * 8),
  slotsPerSlab: fc.integer({ min: 1, max: 6 }),
  slabCount: fc.integer({ min: 1, max: 3 }),
  largeSlotCount: fc.integer({ min: 0, max: 3 }),
});

const operations: fc.Arbitrary<Operation[]> = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant("rent" as const),
      size: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    }),
    fc.record({ kind: fc.constant("rent" as const), size: fc.integer({ min: 0, max: 600 }) }),
    fc.record({ kind: fc.constant("rentInto" as const), count: fc.integer({ min: 0, max: 8 }) }),
    fc.record({ kind: fc.constant("dispose" as const), pick: fc.nat() }),
    fc.record({ kind: fc.constant("disposeAgain" as const), pick: fc.nat() }),
  ),
  { maxLength: 120 },
);

// What the pool's counters must say, kept by a model that knows nothing of free lists.
class PoolModel {
  readonly inUse = { small: 0, large: 0 };
  readonly highWaterMark = { small: 0, large: 0, total: 0 };
  readonly failedRents = { small: 0, large: 0 };

  constructor(readonly capacity: { small: number; large: number }) {}

  rent(sizeClass: "small" | "large"): boolean {
    if (this.inUse[sizeClass] === this.capacity[sizeClass]) {
      this.failedRents[sizeClass] += 1;
      return false;
    }
    this.inUse[sizeClass] += 1;
    this.highWaterMark[sizeClass] = Math.max(this.highWaterMark[sizeClass], this.inUse[sizeClass]);
    this.highWaterMark.total = Math.max(
      this.highWaterMark.total,
      this.inUse.small + this.inUse.large,
    );
    return true;
  }

  release(sizeClass: "small" | "large"): void {
    this.inUse[sizeClass] -= 1;
  }

  expectMatches(pool: PacketMemoryPool): void {
    expect(pool.stats).toEqual({
      capacity: this.capacity.small + this.capacity.large,
      inUse: this.inUse.small + this.inUse.large,
      highWaterMark: this.highWaterMark.total,
      failedRents: this.failedRents.small + this.failedRents.large,
      small: {
        slotSize: pool.slotSize,
        capacity: this.capacity.small,
        inUse: this.inUse.small,
        highWaterMark: this.highWaterMark.small,
        failedRents: this.failedRents.small,
      },
      large: {
        slotSize: 65536,
        capacity: this.capacity.large,
        inUse: this.inUse.large,
        highWaterMark: this.highWaterMark.large,
        failedRents: this.failedRents.large,
      },
    });
  }
}

// Each rented slot is filled with a byte derived from its rental; a slot handed out twice, or two
// slots sharing bytes, would overwrite another rental's fill.
const expectedFill = Buffer.alloc(65536);

function fill(owner: PooledPacket, stamp: number): void {
  owner.memory.fill(stamp & 0xff);
}

function fillIntact(owner: PooledPacket, stamp: number): boolean {
  expectedFill.fill(stamp & 0xff, 0, owner.capacity);
  return expectedFill.subarray(0, owner.capacity).equals(owner.memory);
}

describe("PacketMemoryPool under random rent and dispose sequences", () => {
  it("keeps its statistics equal to a model's, never lends a rented slot twice, and keeps rentals apart", () => {
    fc.assert(
      fc.property(layouts, operations, (options, ops) => {
        const pool = new PacketMemoryPool(options);
        const smallCapacity = options.slotsPerSlab! * options.slabCount!;
        const model = new PoolModel({ small: smallCapacity, large: options.largeSlotCount! });
        const held: { owner: PooledPacket; stamp: number }[] = [];
        const disposed: PooledPacket[] = [];
        const batch = new Array<PooledPacket>(8);
        let stamps = 0;

        const take = (owner: PooledPacket): void => {
          expect(held.some((entry) => entry.owner === owner)).toBe(false);
          expect(owner.isRented).toBe(true);
          stamps += 1;
          fill(owner, stamps);
          held.push({ owner, stamp: stamps });
        };

        for (const op of ops) {
          if (op.kind === "rent") {
            const sizeClass = op.size === undefined || op.size <= pool.slotSize ? "small" : "large";
            const owner = pool.tryRent(op.size);
            expect(owner !== undefined).toBe(model.rent(sizeClass));
            if (owner !== undefined) {
              expect(owner.capacity).toBe(sizeClass === "small" ? pool.slotSize : 65536);
              expect(owner.length).toBe(op.size ?? 0);
              take(owner);
            }
          } else if (op.kind === "rentInto") {
            let expected = 0;
            for (let i = 0; i < op.count; i += 1) if (model.rent("small")) expected += 1;
            expect(pool.rentInto(batch, op.count)).toBe(expected);
            for (let i = 0; i < expected; i += 1) take(batch[i]!);
          } else if (op.kind === "dispose" && held.length > 0) {
            const [entry] = held.splice(op.pick % held.length, 1);
            entry!.owner.dispose();
            model.release(entry!.owner.id < smallCapacity ? "small" : "large");
            disposed.push(entry!.owner);
          } else if (op.kind === "disposeAgain" && disposed.length > 0) {
            const owner = disposed[op.pick % disposed.length]!;
            // Only a slot still back in the pool must refuse; a re-rented one belongs to its new renter.
            if (!owner.isRented) {
              expect(() => owner.dispose()).toThrow(PacketPoolError);
            }
          }
          model.expectMatches(pool);
          for (const entry of held) expect(fillIntact(entry.owner, entry.stamp)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("lays out slots inside their slabs without any two sharing a byte", () => {
    fc.assert(
      fc.property(layouts, (options) => {
        const pool = new PacketMemoryPool(options);
        const bySlab = pool.slabs.map(() => [] as [number, number][]);
        for (let id = 0; id < pool.slotCount; id += 1) {
          const slot = pool.slot(id);
          expect(slot.id).toBe(id);
          expect(slot.byteOffset % 8).toBe(0);
          expect(slot.byteOffset + slot.capacity).toBeLessThanOrEqual(
            pool.slabs[slot.slabIndex]!.byteLength,
          );
          bySlab[slot.slabIndex]!.push([slot.byteOffset, slot.byteOffset + slot.capacity]);
        }
        for (const ranges of bySlab) {
          ranges.sort((a, b) => a[0] - b[0]);
          for (let i = 1; i < ranges.length; i += 1) {
            expect(ranges[i]![0]).toBeGreaterThanOrEqual(ranges[i - 1]![1]);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
