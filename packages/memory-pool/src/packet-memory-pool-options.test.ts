import { describe, expect, it } from "vitest";
import { PacketMemoryPool } from "./packet-memory-pool.js";
import type { PacketMemoryPoolOptions } from "./packet-memory-pool-options.js";
import { PacketPoolError } from "./packet-pool-error.js";

function rejection(options: PacketMemoryPoolOptions): PacketPoolError | undefined {
  try {
    new PacketMemoryPool(options);
  } catch (error) {
    if (error instanceof PacketPoolError) return error;
    throw error;
  }
  return undefined;
}

describe("PacketMemoryPool options", () => {
  it.each<[string, PacketMemoryPoolOptions]>([
    ["a slot size that is not a multiple of 8", { slotSize: 1500 }],
    ["a slot size below 8", { slotSize: 0 }],
    ["a slot size above 65536", { slotSize: 65544 }],
    ["a fractional slot size", { slotSize: 2048.5 }],
    ["no slots per slab", { slotsPerSlab: 0 }],
    ["a slab larger than 1 GiB", { slotSize: 65536, slotsPerSlab: 16385 }],
    ["no slabs", { slabCount: 0 }],
    ["a negative large slot count", { largeSlotCount: -1 }],
    ["more large slots than a 1 GiB slab holds", { largeSlotCount: 16385 }],
    ["NaN", { slabCount: Number.NaN }],
  ])("rejects %s with INVALID_OPTIONS", (_, options) => {
    const error = rejection(options);
    expect(error?.code).toBe("INVALID_OPTIONS");
    expect(error?.hint).toBeDefined();
  });

  it("names the option, the value and the allowed range", () => {
    expect(rejection({ slotsPerSlab: -3 })?.message).toMatch(
      /slotsPerSlab is -3, not an integer from 1 to 524288 \(omit slotsPerSlab for the default, 512\)/,
    );
  });

  it("accepts the smallest and largest layouts", () => {
    const tiny = new PacketMemoryPool({
      slotSize: 8,
      slotsPerSlab: 1,
      slabCount: 1,
      largeSlotCount: 0,
    });
    expect(tiny.slotCount).toBe(1);
    const jumbo = new PacketMemoryPool({
      slotSize: 65536,
      slotsPerSlab: 1,
      slabCount: 1,
      largeSlotCount: 1,
    });
    expect(jumbo.tryRent(65535)?.capacity).toBe(65536);
  });
});
