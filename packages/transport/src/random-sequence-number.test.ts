import { describe, expect, it } from "vitest";
import { RandomSequenceNumberSource } from "./random-sequence-number.js";

describe("RandomSequenceNumberSource", () => {
  it("yields unsigned 32-bit integers across many refills", () => {
    const source = new RandomSequenceNumberSource();
    const seen = new Set<number>();
    let highBitSet = 0;
    for (let i = 0; i < 10_000; i++) {
      const value = source.next();
      expect(Number.isInteger(value) && value >= 0 && value <= 0xffffffff).toBe(true);
      seen.add(value);
      if (value >= 0x80000000) highBitSet++;
    }
    // 10,000 draws from 2^32 values collide with probability ~1%; more than a handful means a bug.
    expect(seen.size).toBeGreaterThan(9_990);
    // The top bit is set about half the time; 4,500..5,500 holds with overwhelming probability.
    expect(highBitSet).toBeGreaterThan(4_500);
    expect(highBitSet).toBeLessThan(5_500);
  });

  it("gives independent sources independent sequences", () => {
    const a = new RandomSequenceNumberSource();
    const b = new RandomSequenceNumberSource();
    const first = Array.from({ length: 8 }, () => a.next());
    const second = Array.from({ length: 8 }, () => b.next());
    expect(first).not.toEqual(second);
  });
});
