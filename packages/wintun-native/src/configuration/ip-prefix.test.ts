import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IpConfigurationError, networkOf, parseIpPrefix } from "./ip-prefix.js";

describe("parseIpPrefix", () => {
  it("reads IPv4 and IPv6 prefixes, defaulting to a host prefix", () => {
    expect(parseIpPrefix("198.18.0.1/24")).toMatchObject({ family: 4, prefixLength: 24 });
    expect([...parseIpPrefix("198.18.0.1/24").bytes]).toEqual([198, 18, 0, 1]);
    expect(parseIpPrefix("198.18.0.1").prefixLength).toBe(32);
    const v6 = parseIpPrefix("fd6d:6167:6d61::1/64");
    expect(v6).toMatchObject({ family: 6, prefixLength: 64 });
    expect(Buffer.from(v6.bytes).toString("hex")).toBe("fd6d61676d6100000000000000000001");
    expect(Buffer.from(parseIpPrefix("::ffff:198.18.0.1").bytes).toString("hex")).toBe(
      "00000000000000000000ffffc6120001",
    );
    expect(parseIpPrefix("::").bytes).toEqual(new Uint8Array(16));
  });

  it("refuses what is not a prefix with a typed error", () => {
    for (const text of [
      "",
      "198.18.0",
      "198.18.0.1/",
      "198.18.0.1/-1",
      "198.18.0.1/1e1",
      "fd6d::1/129",
      "fd6d:::1",
    ]) {
      expect(() => parseIpPrefix(text)).toThrow(IpConfigurationError);
    }
  });

  it("reads back every IPv6 address in the textual form Node's own URL parser writes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const groups = [];
        for (let i = 0; i < 16; i += 2)
          groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
        const canonical = new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
        expect(parseIpPrefix(canonical).bytes).toEqual(bytes);
      }),
    );
  });
});

describe("networkOf", () => {
  it("clears the host bits past the prefix length", () => {
    expect([...networkOf(parseIpPrefix("198.19.255.255/13")).bytes]).toEqual([198, 16, 0, 0]);
    expect(
      Buffer.from(networkOf(parseIpPrefix("fd6d:6167:6d61:ffff::1/52")).bytes).toString("hex"),
    ).toBe("fd6d61676d61f0000000000000000000");
  });
});
