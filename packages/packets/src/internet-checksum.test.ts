import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { updateChecksum16, updateChecksum32 } from "./checksum-update.js";
import {
  checksumFromSum,
  foldChecksumSum,
  internetChecksum,
  onesComplementSum,
} from "./internet-checksum.js";
import { hexToBytes, referenceChecksum } from "./test-support/reference-checksum.js";

describe("internetChecksum", () => {
  it("matches the RFC 1071 §3 worked example (sum ddf2, checksum 220d)", () => {
    const bytes = hexToBytes("0001 f203 f4f5 f6f7");
    expect(foldChecksumSum(onesComplementSum(bytes))).toBe(0xddf2);
    expect(internetChecksum(bytes)).toBe(0x220d);
  });

  it("computes the checksum of a captured IPv4 header (b861)", () => {
    const header = hexToBytes("4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7");
    expect(internetChecksum(header)).toBe(0xb861);
    header[10] = 0xb8;
    header[11] = 0x61;
    expect(internetChecksum(header)).toBe(0);
  });

  it("pads an odd final byte with zero", () => {
    expect(internetChecksum(hexToBytes("01"))).toBe(~0x0100 & 0xffff);
    expect(internetChecksum(hexToBytes("0102 03"))).toBe(~(0x0102 + 0x0300) & 0xffff);
  });

  it("gives ffff for an empty range and chains an initial sum", () => {
    expect(internetChecksum(new Uint8Array(0))).toBe(0xffff);
    expect(checksumFromSum(0x1_2345)).toBe(~0x2346 & 0xffff);
    expect(internetChecksum(new Uint8Array(0), 0, 0, 0xfffe)).toBe(1);
  });

  it("refuses a range that is not inside the array, naming the call and the argument", () => {
    const bytes = hexToBytes("0001 f203 f4f5 f6f7");
    for (const sum of [internetChecksum, onesComplementSum]) {
      const name = sum.name;
      const offsetError = (got: string) =>
        new RangeError(`${name}: offset must be an integer from 0 to 8, got ${got}`);
      const lengthError = (most: number, got: string) =>
        new RangeError(`${name}: length must be an integer from 0 to ${most}, got ${got}`);
      expect(() => sum(bytes, -1, 4)).toThrow(offsetError("-1"));
      expect(() => sum(bytes, -1)).toThrow(offsetError("-1"));
      expect(() => sum(bytes, 1.5, 2)).toThrow(offsetError("1.5"));
      expect(() => sum(bytes, Number.NaN, 2)).toThrow(offsetError("NaN"));
      expect(() => sum(bytes, 9, 0)).toThrow(offsetError("9"));
      expect(() => sum(bytes, 4, 100)).toThrow(lengthError(4, "100"));
      expect(() => sum(bytes, 4, Number.NaN)).toThrow(lengthError(4, "NaN"));
      expect(() => sum(bytes, 0, -2)).toThrow(lengthError(8, "-2"));
      expect(() => sum(bytes, 0, 2.5)).toThrow(lengthError(8, "2.5"));
      expect(() => sum(bytes, 0, "4" as unknown as number)).toThrow(lengthError(8, '"4"'));
    }
    expect(internetChecksum(bytes, 8, 0)).toBe(0xffff);
    expect(onesComplementSum(bytes, 8)).toBe(0);
  });

  it("equals the byte-at-a-time reference for any data, offset, length and buffer alignment", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 2100 }),
        fc.nat(7),
        fc.nat(2100),
        fc.nat(2100),
        fc.nat(0x3ffff),
        (data, alignment, rawOffset, rawLength, initial) => {
          // Copy behind `alignment` bytes so the range starts at every byteOffset modulo 4.
          const backing = new Uint8Array(data.length + alignment);
          backing.set(data, alignment);
          const bytes = backing.subarray(alignment);
          const offset = data.length === 0 ? 0 : rawOffset % data.length;
          const length = Math.min(rawLength, data.length - offset);
          expect(internetChecksum(bytes, offset, length, initial)).toBe(
            referenceChecksum(bytes, offset, length, initial),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it("agrees with the reference on the largest IP packet", () => {
    const bytes = new Uint8Array(65535).map((_, i) => (i * 131 + 7) & 0xff);
    for (const offset of [0, 1, 2, 3]) {
      expect(internetChecksum(bytes, offset)).toBe(
        referenceChecksum(bytes, offset, 65535 - offset),
      );
    }
  });

  it("verifies to 0 once the checksum is inserted into the data", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 1600 }), fc.nat(), (data, position) => {
        const at = (position % (data.length >> 1)) * 2;
        data[at] = 0;
        data[at + 1] = 0;
        const checksum = internetChecksum(data);
        data[at] = checksum >>> 8;
        data[at + 1] = checksum & 0xff;
        expect(internetChecksum(data)).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it("never reads outside its range: bytes around it do not change the result", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 600 }),
        fc.nat(9),
        fc.nat(9),
        (data, before, after) => {
          const results = [0x00, 0xff, 0x5a].map((sentinel) => {
            const backing = new Uint8Array(before + data.length + after).fill(sentinel);
            backing.set(data, before);
            return internetChecksum(backing, before, data.length);
          });
          expect(new Set(results).size).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("RFC 1624 incremental update", () => {
  it("reproduces the RFC 1624 §4 example with eqn. 3 (0000, where eqn. 2 gave ffff)", () => {
    expect(updateChecksum16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it("gives 0x0000 where a full computation over data all zero gives 0xffff (eqn. 3 never yields 0xffff)", () => {
    // An ICMPv4 echo request with identifier, sequence number and data zero turned into a reply.
    const data = new Uint8Array(8);
    expect(internetChecksum(data)).toBe(0xffff);
    expect(updateChecksum16(0xf7ff, 0x0800, 0x0000)).toBe(0x0000);
  });

  it("equals a full recomputation after any 16-bit or 32-bit field changes", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 8, maxLength: 200 }),
        fc.nat(),
        fc.nat(0xffff),
        fc.nat(0xffffffff),
        (data, position, word, doubleWord) => {
          data[0] = 1; // not all zero: one's complement has two zeros, real headers never are
          const at = 2 + (((position % (data.length - 6)) >> 1) << 1);
          const before = internetChecksum(data);
          const old16 = (data[at]! << 8) | data[at + 1]!;
          data[at] = word >>> 8;
          data[at + 1] = word & 0xff;
          const after16 = updateChecksum16(before, old16, word);
          expect(after16).toBe(internetChecksum(data));

          const old32 =
            ((((data[at]! << 8) | data[at + 1]!) << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>>
            0;
          for (let i = 0; i < 4; i++) data[at + i] = (doubleWord >>> (24 - i * 8)) & 0xff;
          expect(updateChecksum32(after16, old32, doubleWord)).toBe(internetChecksum(data));
        },
      ),
      { numRuns: 500 },
    );
  });
});
