import { PacketMemoryPool } from "@magma/memory-pool";
import { OptionError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { WinTunError } from "../wintun-error.js";
import { resolveSessionOptions, SESSION_OPTION_NAMES } from "./session-options.js";

function refusal(action: () => unknown): OptionError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(OptionError);
    return error as OptionError;
  }
  throw new Error("expected an OptionError");
}

const pool = new PacketMemoryPool({ slotsPerSlab: 64, slabCount: 1, largeSlotCount: 4 });

describe("resolveSessionOptions", () => {
  it("applies the defaults", () => {
    const resolved = resolveSessionOptions("adapter.startSession", { pool });
    expect(resolved).toEqual({
      capacity: 0x400000,
      pool,
      receiveSlots: 32,
      receiveLargeSlots: 2,
      maxBatch: 128,
      batchesInFlight: 4,
      spinMicroseconds: 100,
      inlineReceiveMicroseconds: 1000,
    });
    expect(resolveSessionOptions("f", undefined).pool).toBeInstanceOf(PacketMemoryPool);
  });

  const integers = [
    ["receiveSlots", 0, 64],
    ["receiveLargeSlots", 0, 4],
    ["maxBatch", 1, 4096],
    ["batchesInFlight", 1, 64],
    ["spinMicroseconds", 0, 1_000_000],
    ["inlineReceiveMicroseconds", 0, 1_000_000],
  ] as const;

  it.each(integers)("accepts %s from %d to %d", (name, min, max) => {
    expect(resolveSessionOptions("f", { pool, [name]: min })[name]).toBe(min);
    expect(resolveSessionOptions("f", { pool, [name]: max })[name]).toBe(max);
  });

  it.each(integers)("refuses %s out of range or of the wrong type", (name, min, max) => {
    for (const value of [min - 1, max + 1, 1.5, Number.NaN, "8", null]) {
      const error = refusal(() =>
        resolveSessionOptions("adapter.startSession", { pool, [name]: value as number }),
      );
      expect(error.code).toBe("INVALID_OPTION");
      expect(error.where).toBe("adapter.startSession");
      expect(error.option).toBe(name);
      expect(error.value).toBe(value);
      expect(error.allowed).toBe(`an integer from ${min} to ${max}`);
    }
  });

  it("refuses a pool that is not a PacketMemoryPool", () => {
    const error = refusal(() => resolveSessionOptions("f", { pool: {} as PacketMemoryPool }));
    expect(error).toMatchObject({ option: "pool", allowed: "a PacketMemoryPool" });
  });

  it("keeps the driver's error for a capacity it would refuse", () => {
    expect(() => resolveSessionOptions("f", { pool, capacity: 0x30000 })).toThrow(WinTunError);
    expect(resolveSessionOptions("f", { pool, capacity: 0x20000 }).capacity).toBe(0x20000);
  });

  it("refuses unknown options and non-objects, naming them", () => {
    const error = refusal(() =>
      resolveSessionOptions("f", { pool, maxbatch: 4 } as unknown as { pool: PacketMemoryPool }),
    );
    expect(error).toMatchObject({ code: "UNKNOWN_OPTION", option: "maxbatch" });
    expect(error.allowed).toBe(SESSION_OPTION_NAMES.join(", "));
    expect(refusal(() => resolveSessionOptions("f", 5 as never)).option).toBe("options");
  });

  it("names options as the caller's own options call them", () => {
    const error = refusal(() =>
      resolveSessionOptions(
        "WinTunPort.create",
        { pool, maxBatch: 0 },
        (name) => `session.${name}`,
      ),
    );
    expect(error.option).toBe("session.maxBatch");
    expect(error.message).toBe(
      "WinTunPort.create: session.maxBatch must be an integer from 1 to 4096, got 0",
    );
  });
});
