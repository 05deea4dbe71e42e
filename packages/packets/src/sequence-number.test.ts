import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seqAdd, seqDiff, seqGt, seqGte, seqInWindow, seqLt, seqLte } from "./sequence-number.js";

describe("sequence-number arithmetic", () => {
  it("orders numbers across the 2^32 wrap", () => {
    expect(seqLt(0xffff_fff0, 0x10)).toBe(true);
    expect(seqGt(0x10, 0xffff_fff0)).toBe(true);
    expect(seqLte(5, 5)).toBe(true);
    expect(seqGte(5, 5)).toBe(true);
    expect(seqLt(5, 5)).toBe(false);
    expect(seqDiff(0x10, 0xffff_fff0)).toBe(0x20);
    expect(seqDiff(0xffff_fff0, 0x10)).toBe(-0x20);
  });

  it("adds modulo 2^32 and stays unsigned", () => {
    expect(seqAdd(0xffff_ffff, 1)).toBe(0);
    expect(seqAdd(0xffff_fffe, 5)).toBe(3);
    expect(seqAdd(3, -5)).toBe(0xffff_fffe);
  });

  it("tests window membership across the wrap", () => {
    expect(seqInWindow(0xffff_ffff, 0xffff_fff0, 0x10)).toBe(true);
    expect(seqInWindow(0x10, 0xffff_fff0, 0x10)).toBe(false);
    expect(seqInWindow(0xffff_ffef, 0xffff_fff0, 0x10)).toBe(false);
  });

  it("agrees with seqAdd and seqDiff for any start and distance below 2^31", () => {
    fc.assert(
      fc.property(fc.nat(0xffff_ffff), fc.integer({ min: 1, max: 0x7fff_ffff }), (a, n) => {
        const b = seqAdd(a, n);
        expect(seqLt(a, b)).toBe(true);
        expect(seqGt(b, a)).toBe(true);
        expect(seqLte(b, a)).toBe(false);
        expect(seqDiff(b, a)).toBe(n);
        expect(seqInWindow(a, a, b)).toBe(true);
        expect(seqInWindow(b, a, b)).toBe(false);
      }),
    );
  });
});
