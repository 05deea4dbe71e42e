import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WinTunError } from "../wintun-error.js";
import {
  DEFAULT_RING_CAPACITY,
  MAX_RING_CAPACITY,
  MIN_RING_CAPACITY,
  validateRingCapacity,
} from "./ring-capacity.js";

describe("validateRingCapacity", () => {
  it("accepts every power of two from 128 KiB to 64 MiB, and the default", () => {
    for (let capacity = MIN_RING_CAPACITY; capacity <= MAX_RING_CAPACITY; capacity *= 2) {
      expect(validateRingCapacity(capacity)).toBe(capacity);
    }
    expect(validateRingCapacity(DEFAULT_RING_CAPACITY)).toBe(0x400000);
  });

  it("refuses anything else with ERROR_INVALID_PARAMETER from WintunStartSession", () => {
    for (const bad of [
      0,
      0x10000,
      0x20001,
      0x30000,
      0x8000000,
      -0x20000,
      0x20000 + 0.5,
      Number.NaN,
    ]) {
      let caught: unknown;
      try {
        validateRingCapacity(bad);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(WinTunError);
      expect((caught as WinTunError).code).toBe(87);
      expect((caught as WinTunError).call).toBe("WintunStartSession");
    }
  });

  it("agrees with the driver's rule for any integer", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 0x8000001 }), (capacity) => {
        const valid =
          capacity >= 0x20000 && capacity <= 0x4000000 && (capacity & (capacity - 1)) === 0;
        let accepted = true;
        try {
          validateRingCapacity(capacity);
        } catch {
          accepted = false;
        }
        return accepted === valid;
      }),
    );
  });
});
