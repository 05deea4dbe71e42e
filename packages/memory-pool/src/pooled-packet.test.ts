import { describe, expect, it } from "vitest";
import { PacketMemoryPool } from "./packet-memory-pool.js";
import { poolErrorCode } from "./test-support/pool-error-code.js";

function smallPool(): PacketMemoryPool {
  return new PacketMemoryPool({ slotSize: 64, slotsPerSlab: 4, slabCount: 1, largeSlotCount: 1 });
}

describe("PooledPacket", () => {
  it("is a PacketOwner whose packet is the first length bytes of its slot", () => {
    const owner = smallPool().tryRent()!;
    owner.memory.set([9, 8, 7, 6]);
    owner.length = 3;
    expect(Array.from(owner.memory.subarray(0, owner.length))).toEqual([9, 8, 7]);
    expect(owner.isRented).toBe(true);
  });

  it("accepts lengths from 0 to its capacity and rejects the rest with INVALID_LENGTH, naming the range", () => {
    const owner = smallPool().tryRent()!;
    owner.length = 64;
    expect(owner.length).toBe(64);
    owner.length = 0;
    expect(owner.length).toBe(0);
    for (const [bad, shown] of [
      [65, "65"],
      [-1, "-1"],
      [1.5, "1.5"],
      [Number.NaN, "NaN"],
      [Number.POSITIVE_INFINITY, "Infinity"],
      ["3", '"3"'],
    ] as const) {
      expect(poolErrorCode(() => (owner.length = bad as number))).toBe("INVALID_LENGTH");
      expect(() => (owner.length = bad as number)).toThrow(
        `PooledPacket.length must be an integer from 0 to 64 (the capacity of slot 0), got ${shown}`,
      );
    }
    expect(owner.length).toBe(0);
  });

  it("returns its slot on dispose and refuses a second dispose with ALREADY_DISPOSED", () => {
    const pool = smallPool();
    const owner = pool.tryRent()!;
    owner.dispose();
    expect(owner.isRented).toBe(false);
    expect(pool.stats.inUse).toBe(0);
    expect(poolErrorCode(() => owner.dispose())).toBe("ALREADY_DISPOSED");
    expect(pool.stats.inUse).toBe(0);
  });

  it("refuses memory and length use after dispose with ALREADY_DISPOSED", () => {
    const owner = smallPool().tryRent(10)!;
    owner.dispose();
    expect(poolErrorCode(() => owner.memory)).toBe("ALREADY_DISPOSED");
    expect(poolErrorCode(() => (owner.length = 1))).toBe("ALREADY_DISPOSED");
    expect(owner.length).toBe(0);
  });

  it("refuses memory, length and dispose on a slot never rented with NOT_RENTED", () => {
    const owner = smallPool().slot(3);
    expect(owner.isRented).toBe(false);
    expect(poolErrorCode(() => owner.memory)).toBe("NOT_RENTED");
    expect(poolErrorCode(() => (owner.length = 1))).toBe("NOT_RENTED");
    expect(poolErrorCode(() => owner.dispose())).toBe("NOT_RENTED");
  });

  it("says which slot was misused and what to do in its message", () => {
    const owner = smallPool().tryRent()!;
    owner.dispose();
    expect(() => owner.memory).toThrow(/slot 0: it was already disposed \(.*dispose\(\)/);
  });

  it("is usable again once the pool rents the same slot out anew", () => {
    const pool = smallPool();
    const owner = pool.tryRent()!;
    owner.dispose();
    expect(pool.tryRent()).toBe(owner);
    expect(owner.memory.byteLength).toBe(64);
    owner.length = 5;
    expect(owner.length).toBe(5);
  });
});
