import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatAddress,
  formatPrefix,
  IpConfigurationError,
  networkOf,
  parseIpPrefix,
  sameNetwork,
} from "./ip-prefix.js";

const AT = { where: "adapter.configure", option: "addresses[3]" };
const parse = (text: string) => parseIpPrefix(text, AT);

function refusal(text: string): IpConfigurationError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof IpConfigurationError) return error;
    throw error;
  }
  throw new Error(`${text} was accepted`);
}

describe("parseIpPrefix", () => {
  it("reads IPv4 and IPv6 prefixes, defaulting to a host prefix", () => {
    expect(parse("198.18.0.1/24")).toMatchObject({ family: 4, prefixLength: 24 });
    expect([...parse("198.18.0.1/24").bytes]).toEqual([198, 18, 0, 1]);
    expect(parse("198.18.0.1").prefixLength).toBe(32);
    const v6 = parse("fd6d:6167:6d61::1/64");
    expect(v6).toMatchObject({ family: 6, prefixLength: 64 });
    expect(Buffer.from(v6.bytes).toString("hex")).toBe("fd6d61676d6100000000000000000001");
    expect(Buffer.from(parse("::ffff:198.18.0.1").bytes).toString("hex")).toBe(
      "00000000000000000000ffffc6120001",
    );
    expect(parse("::").bytes).toEqual(new Uint8Array(16));
  });

  it("refuses what is not a prefix with a typed error naming the option, the value and what is allowed", () => {
    for (const text of [
      "",
      "198.18.0",
      "198.18.0.300/24",
      "fd6d:::1",
      "fd6d::1 ",
      "host.example",
    ]) {
      expect(refusal(text)).toMatchObject({
        code: "INVALID_PREFIX",
        where: "adapter.configure",
        option: "addresses[3]",
        value: text,
        allowed: 'an IPv4 or IPv6 address with an optional prefix length, e.g. "198.18.0.1/24"',
      });
    }
    expect(refusal("198.18.0.300/24").message).toBe(
      'adapter.configure: addresses[3] must be an IPv4 or IPv6 address with an optional prefix length, e.g. "198.18.0.1/24"; "198.18.0.300/24" is not an IPv4 or IPv6 address',
    );
  });

  it("refuses a prefix length that is not a whole number up to the family's width", () => {
    for (const text of ["198.18.0.1/", "198.18.0.1/-1", "198.18.0.1/1e1", "198.18.0.1/33"]) {
      expect(refusal(text)).toMatchObject({
        code: "INVALID_PREFIX",
        allowed: "an IPv4 address with a prefix length from 0 to 32",
      });
    }
    expect(refusal("fd6d::1/129")).toMatchObject({
      allowed: "an IPv6 address with a prefix length from 0 to 128",
    });
    expect(refusal("fd6d::1/129").message).toMatch(
      /"fd6d::1\/129" is an address with an invalid prefix length/,
    );
  });

  it("refuses a zone index: the adapter being configured is the zone", () => {
    const error = refusal("fe80::1%eth0/64");
    expect(error).toMatchObject({ code: "INVALID_PREFIX", value: "fe80::1%eth0/64" });
    expect(error.hint).toMatch(/leave out the %/);
  });

  it("reads back every IPv6 address in the textual form Node's own URL parser writes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const groups = [];
        for (let i = 0; i < 16; i += 2)
          groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
        const canonical = new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
        expect(parse(canonical).bytes).toEqual(bytes);
      }),
    );
  });
});

describe("networkOf", () => {
  it("clears the host bits past the prefix length", () => {
    expect([...networkOf(parse("198.19.255.255/13")).bytes]).toEqual([198, 16, 0, 0]);
    expect(Buffer.from(networkOf(parse("fd6d:6167:6d61:ffff::1/52")).bytes).toString("hex")).toBe(
      "fd6d61676d61f0000000000000000000",
    );
  });
});

describe("sameNetwork", () => {
  it("compares the bits up to the given length only, and never across families", () => {
    expect(sameNetwork(parse("198.18.0.1"), parse("198.18.0.200"), 24)).toBe(true);
    expect(sameNetwork(parse("198.18.0.1"), parse("198.18.1.1"), 24)).toBe(false);
    expect(sameNetwork(parse("198.18.0.1"), parse("198.18.1.1"), 23)).toBe(true);
    expect(sameNetwork(parse("198.18.0.1"), parse("::ffff:198.18.0.1"), 0)).toBe(false);
  });
});

describe("formatAddress", () => {
  it("writes IPv4 in dotted decimal and IPv6 in the RFC 5952 form Node's URL parser writes", () => {
    expect(formatAddress(parse("198.18.0.1").bytes)).toBe("198.18.0.1");
    expect(formatAddress(parse("fd6d:6167:6d61:0:0:0:0:1").bytes)).toBe("fd6d:6167:6d61::1");
    expect(formatAddress(parse("1:0:0:1:0:0:0:1").bytes)).toBe("1:0:0:1::1");
    expect(formatAddress(parse("1:0:0:1:0:0:1:1").bytes)).toBe("1::1:0:0:1:1");
    expect(formatAddress(parse("1:0:1:1:1:1:1:1").bytes)).toBe("1:0:1:1:1:1:1:1");
    expect(formatPrefix(parse("fd6d::/64"))).toBe("fd6d::/64");
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const text = formatAddress(bytes);
        expect(text).toBe(new URL(`http://[${text}]/`).hostname.slice(1, -1));
        expect(parse(text).bytes).toEqual(bytes);
      }),
    );
  });
});
