import { describe, expect, it } from "vitest";
import { guidBytes } from "./guid.js";

describe("guidBytes", () => {
  it("lays a GUID out as Windows does: Data1-3 little-endian, Data4 as written", () => {
    expect(Array.from(guidBytes("{deadbabe-cafe-beef-0123-456789abcdef}"))).toEqual([
      0xbe, 0xba, 0xad, 0xde, 0xfe, 0xca, 0xef, 0xbe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd,
      0xef,
    ]);
  });

  it("accepts the form without braces and refuses anything else", () => {
    expect(guidBytes("DEADBABE-CAFE-BEEF-0123-456789ABCDEF")).toEqual(
      guidBytes("{deadbabe-cafe-beef-0123-456789abcdef}"),
    );
    expect(() => guidBytes("deadbabe-cafe-beef-0123")).toThrow(TypeError);
    expect(() => guidBytes("zzzzzzzz-cafe-beef-0123-456789abcdef")).toThrow(TypeError);
  });
});
