import { MagmaError, OptionError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { PacketMemoryPool } from "./packet-memory-pool.js";
import type { PacketMemoryPoolOptions } from "./packet-memory-pool-options.js";

/** The OptionError `new PacketMemoryPool(options)` throws; fails the test if it throws nothing. */
function refusal(options: unknown): OptionError {
  try {
    new PacketMemoryPool(options as PacketMemoryPoolOptions);
  } catch (error) {
    if (error instanceof OptionError) return error;
    throw error;
  }
  throw new Error(`new PacketMemoryPool(${JSON.stringify(options)}) was accepted`);
}

const WHERE = "new PacketMemoryPool";

describe("PacketMemoryPool options", () => {
  // For each option: a wrong type, values out of range, and a misspelling of its name.
  it.each<[option: string, value: unknown, allowed: string, shown: string]>([
    ["slotSize", "2048", "a multiple of 8 from 8 to 65536", '"2048"'],
    ["slotSize", null, "a multiple of 8 from 8 to 65536", "null"],
    ["slotSize", 1500, "a multiple of 8 from 8 to 65536", "1500"],
    ["slotSize", 0, "a multiple of 8 from 8 to 65536", "0"],
    ["slotSize", 65544, "a multiple of 8 from 8 to 65536", "65544"],
    ["slotSize", 2048.5, "a multiple of 8 from 8 to 65536", "2048.5"],
    ["slotsPerSlab", true, "an integer from 1 to 524288", "true"],
    ["slotsPerSlab", 0, "an integer from 1 to 524288", "0"],
    ["slotsPerSlab", -3, "an integer from 1 to 524288", "-3"],
    ["slabCount", [4], "an integer from 1 to 1024", "an array of 1"],
    ["slabCount", 0, "an integer from 1 to 1024", "0"],
    ["slabCount", 1025, "an integer from 1 to 1024", "1025"],
    ["slabCount", Number.NaN, "an integer from 1 to 1024", "NaN"],
    ["largeSlotCount", 8n, "an integer from 0 to 16384", "8n"],
    ["largeSlotCount", -1, "an integer from 0 to 16384", "-1"],
    ["largeSlotCount", 16385, "an integer from 0 to 16384", "16385"],
    ["shared", 1, "true or false", "1"],
    ["shared", "yes", "true or false", '"yes"'],
  ])(
    "refuses %s: %o with INVALID_OPTION, naming the option, the value and what is allowed",
    (option, value, allowed, shown) => {
      const error = refusal({ [option]: value });
      expect(error).toBeInstanceOf(MagmaError);
      expect(error).toMatchObject({
        name: "OptionError",
        code: "INVALID_OPTION",
        where: WHERE,
        option,
        value,
        allowed,
      });
      expect(error.message).toContain(`${WHERE}: ${option} must be ${allowed}, got ${shown}`);
    },
  );

  it("keeps a hint for slotSize: slots are 8-byte aligned", () => {
    expect(refusal({ slotSize: 1500 }).hint).toMatch(/8-byte aligned/);
  });

  it("bounds slotsPerSlab by the 1 GiB slab, whatever the slot size", () => {
    expect(refusal({ slotSize: 65536, slotsPerSlab: 16385 })).toMatchObject({
      option: "slotsPerSlab",
      allowed: "an integer from 1 to 16384",
    });
  });

  it.each(["slotsize", "slotSizes", "slotsPerslab", "slabsCount", "largeSlots", "LargeSlotCount"])(
    "refuses the unknown option %s with UNKNOWN_OPTION, listing the options",
    (name) => {
      const error = refusal({ [name]: 1 });
      expect(error).toMatchObject({ code: "UNKNOWN_OPTION", where: WHERE, option: name, value: 1 });
      expect(error.message).toBe(
        `${WHERE}: unknown option "${name}"; the options are slotSize, slotsPerSlab, slabCount, largeSlotCount, shared`,
      );
    },
  );

  it.each([null, 5, "big", [], () => 1])(
    "refuses options that are not an object: %o",
    (options) => {
      expect(refusal(options)).toMatchObject({
        code: "INVALID_OPTION",
        option: "options",
        allowed: "an object",
      });
    },
  );

  it("checks option names before their values", () => {
    expect(refusal({ slabCount: 0, slabcount: 2 }).code).toBe("UNKNOWN_OPTION");
  });

  it("takes no options, an empty object or undefined values as the defaults", () => {
    for (const options of [undefined, {}, { slotSize: undefined, largeSlotCount: undefined }]) {
      const pool = new PacketMemoryPool(options);
      expect(pool.slotSize).toBe(2048);
      expect(pool.slotCount).toBe(512 * 4 + 8);
    }
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

  it("puts the slabs on SharedArrayBuffers with shared: true", () => {
    const shared = new PacketMemoryPool({ slabCount: 2, largeSlotCount: 1, shared: true });
    expect(shared.shared).toBe(true);
    expect(shared.slabs).toHaveLength(3);
    for (const slab of shared.slabs) expect(slab).toBeInstanceOf(SharedArrayBuffer);
    const packet = shared.tryRent(100);
    expect(packet?.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    packet?.dispose();
    const plain = new PacketMemoryPool({ slabCount: 1 });
    expect(plain.shared).toBe(false);
    for (const slab of plain.slabs) expect(slab).toBeInstanceOf(ArrayBuffer);
  });
});
