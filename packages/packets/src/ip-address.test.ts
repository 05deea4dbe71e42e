import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatIpv4Address,
  formatIpv6Address,
  parseIpv4Address,
  parseIpv6Address,
} from "./ip-address.js";

describe("IP address text", () => {
  it("parses and formats dotted quads", () => {
    expect(parseIpv4Address("198.18.0.1")).toBe(0xc612_0001);
    expect(formatIpv4Address(0xc613_fffe)).toBe("198.19.255.254");
    for (const bad of ["198.18.0", "198.18.0.256", "1.2.3.04", "a.b.c.d", "1..2.3"]) {
      expect(parseIpv4Address(bad)).toBeNull();
    }
  });

  it("parses IPv6 with :: and formats the RFC 5952 canonical form", () => {
    const address = parseIpv6Address("fd6d:6167:6d61:0:0:0:0:1");
    expect(address).not.toBeNull();
    expect(formatIpv6Address(address!)).toBe("fd6d:6167:6d61::1");
    expect(formatIpv6Address(parseIpv6Address("::")!)).toBe("::");
    expect(formatIpv6Address(parseIpv6Address("1:0:0:2:0:0:0:3")!)).toBe("1:0:0:2::3");
    expect(formatIpv6Address(parseIpv6Address("1:0:2:3:4:5:6:7")!)).toBe("1:0:2:3:4:5:6:7");
    for (const bad of ["1::2::3", "1:2:3:4:5:6:7", "12345::", "g::1", "1:2:3:4:5:6:7:8:9"]) {
      expect(parseIpv6Address(bad)).toBeNull();
    }
  });

  it("round-trips any address through text", () => {
    fc.assert(
      fc.property(fc.nat(0xffff_ffff), (value) => {
        expect(parseIpv4Address(formatIpv4Address(value))).toBe(value);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(parseIpv6Address(formatIpv6Address(bytes))).toEqual(bytes);
      }),
    );
  });

  it("formats only 16 bytes that are inside the array", () => {
    const bytes = new Uint8Array(20);
    bytes[19] = 1;
    expect(formatIpv6Address(bytes, 4)).toBe("::1");
    for (const offset of [-1, 0.5, Number.NaN, 5]) {
      expect(() => formatIpv6Address(bytes, offset)).toThrow(
        new RangeError(`formatIpv6Address: offset must be an integer from 0 to 4, got ${offset}`),
      );
    }
    expect(() => formatIpv6Address(new Uint8Array(4))).toThrow(
      new RangeError(
        "formatIpv6Address: offset must be an integer, but 4 bytes cannot hold the 16 it needs, got 0",
      ),
    );
  });
});
