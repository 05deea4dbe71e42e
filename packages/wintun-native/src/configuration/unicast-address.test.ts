import { describe, expect, it } from "vitest";
import { parseIpPrefix } from "./ip-prefix.js";
import { isIpv4Mapped, nonUnicastKind, notAHostOf } from "./unicast-address.js";

const parse = (text: string) => parseIpPrefix(text, { where: "test", option: "address" });
const kindOf = (text: string) => nonUnicastKind(parse(text));
const notAHost = (text: string) => {
  const address = parse(text);
  return notAHostOf(address, address.prefixLength);
};

describe("nonUnicastKind for IPv4", () => {
  it("0.0.0.0 is the unspecified address (RFC 1122 §3.2.1.3 (a))", () => {
    expect(kindOf("0.0.0.0")).toBe("the unspecified address (RFC 1122 §3.2.1.3 (a))");
  });

  it("the rest of 0.0.0.0/8 is 'this network', never a destination (RFC 1122 §3.2.1.3 (b))", () => {
    for (const text of ["0.0.0.1", "0.1.2.3/8", "0.255.255.255"]) {
      expect(kindOf(text)).toMatch(
        /in 0\.0\.0\.0\/8, "this network".*\(RFC 1122 §3\.2\.1\.3 \(b\)\)/,
      );
    }
  });

  it("127.0.0.0/8 is loopback (RFC 1122 §3.2.1.3 (g))", () => {
    for (const text of ["127.0.0.1", "127.1.2.3/8", "127.255.255.254"]) {
      expect(kindOf(text)).toBe("a loopback address (RFC 1122 §3.2.1.3 (g))");
    }
  });

  it("224.0.0.0/4 is multicast (RFC 1112 §4)", () => {
    for (const text of ["224.0.0.1", "232.1.1.1/24", "239.255.255.255"]) {
      expect(kindOf(text)).toBe("a multicast address (RFC 1112 §4)");
    }
  });

  it("255.255.255.255 is the limited broadcast (RFC 1122 §3.2.1.3 (c))", () => {
    expect(kindOf("255.255.255.255")).toBe("the limited broadcast address (RFC 1122 §3.2.1.3 (c))");
  });

  it("leaves every other address to the system: private, link-local, shared, class E", () => {
    for (const text of [
      "1.0.0.0",
      "10.0.0.1",
      "100.64.0.1",
      "126.255.255.255",
      "128.0.0.0",
      "169.254.1.1",
      "198.18.0.1",
      "223.255.255.255",
      "240.0.0.1",
      "255.255.255.254",
    ]) {
      expect(kindOf(text), text).toBeUndefined();
    }
  });
});

describe("nonUnicastKind for IPv6", () => {
  it(":: is the unspecified address (RFC 4291 §2.5.2)", () => {
    expect(kindOf("::")).toBe("the unspecified address (RFC 4291 §2.5.2)");
    expect(kindOf("::/64")).toBe("the unspecified address (RFC 4291 §2.5.2)");
  });

  it("::1 is the loopback address (RFC 4291 §2.5.3)", () => {
    expect(kindOf("::1")).toBe("the loopback address (RFC 4291 §2.5.3)");
  });

  it("ff00::/8 is multicast (RFC 4291 §2.7)", () => {
    for (const text of ["ff02::1", "ff05::1:3", "ff00::", "ff02::1:ff00:1"]) {
      expect(kindOf(text)).toBe("a multicast address (RFC 4291 §2.7)");
    }
  });

  it("::ffff:0:0/96 is IPv4-mapped (RFC 4291 §2.5.5.2)", () => {
    for (const text of ["::ffff:198.18.0.1", "::ffff:0:0", "::ffff:ffff:ffff"]) {
      expect(kindOf(text)).toBe("an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2)");
      expect(isIpv4Mapped(parse(text))).toBe(true);
    }
    expect(isIpv4Mapped(parse("ff00::ffff:0:0"))).toBe(false);
    expect(isIpv4Mapped(parse("::fffe:0:0"))).toBe(false);
  });

  it("leaves every other address to the system: link-local, unique local, global", () => {
    for (const text of ["::2", "fe80::1", "fd6d:6167:6d61::1", "2001:db8::1", "feff::1"]) {
      expect(kindOf(text), text).toBeUndefined();
    }
  });
});

describe("notAHostOf", () => {
  it("an IPv4 host number of 0 is the network address (RFC 1122 §3.2.1.3)", () => {
    expect(notAHost("198.18.0.0/24")).toEqual({
      problem: "the network address of 198.18.0.0/24 (RFC 1122 §3.2.1.3)",
      hosts: "an address from 198.18.0.1 to 198.18.0.254",
    });
    expect(notAHost("198.18.0.64/26")?.hosts).toBe("an address from 198.18.0.65 to 198.18.0.126");
  });

  it("an IPv4 host number of -1 is the directed broadcast (RFC 1122 §3.2.1.3 (d))", () => {
    expect(notAHost("198.18.0.255/24")).toEqual({
      problem: "the broadcast address of 198.18.0.0/24 (RFC 1122 §3.2.1.3 (d))",
      hosts: "an address from 198.18.0.1 to 198.18.0.254",
    });
    expect(notAHost("198.19.255.255/15")?.problem).toMatch(
      /broadcast address of 198\.18\.0\.0\/15/,
    );
  });

  it("a /30 has two hosts between its network and broadcast addresses", () => {
    expect(notAHost("198.18.0.4/30")?.hosts).toBe("an address from 198.18.0.5 to 198.18.0.6");
    expect(notAHost("198.18.0.7/30")?.problem).toMatch(/broadcast/);
    expect(notAHost("198.18.0.5/30")).toBeUndefined();
    expect(notAHost("198.18.0.6/30")).toBeUndefined();
  });

  it("both addresses of an IPv4 /31 are hosts (RFC 3021), and a /32 is one host", () => {
    expect(notAHost("198.18.0.0/31")).toBeUndefined();
    expect(notAHost("198.18.0.1/31")).toBeUndefined();
    expect(notAHost("198.18.0.0/32")).toBeUndefined();
    expect(notAHost("198.18.0.255/32")).toBeUndefined();
  });

  it("an IPv6 interface identifier of zeros is the Subnet-Router anycast address (RFC 4291 §2.6.1)", () => {
    expect(notAHost("fd6d:6167:6d61::/64")).toEqual({
      problem: "the Subnet-Router anycast address of fd6d:6167:6d61::/64 (RFC 4291 §2.6.1)",
      hosts: "an address from fd6d:6167:6d61::1 to fd6d:6167:6d61:0:ffff:ffff:ffff:ffff",
    });
  });

  it("IPv6 has no broadcast address (RFC 4291 §2): an identifier of ones is a host", () => {
    expect(notAHost("fd6d:6167:6d61:0:ffff:ffff:ffff:ffff/64")).toBeUndefined();
  });

  it("both addresses of an IPv6 /127 are hosts (RFC 6164 §5), and a /128 is one host", () => {
    expect(notAHost("fd6d:6167:6d61::/127")).toBeUndefined();
    expect(notAHost("fd6d:6167:6d61::1/127")).toBeUndefined();
    expect(notAHost("fd6d:6167:6d61::/128")).toBeUndefined();
  });

  it("judges any address against any prefix length, as a gateway against an adapter's prefix", () => {
    const gateway = parse("198.18.0.255");
    expect(notAHostOf(gateway, 24)?.problem).toMatch(/broadcast address of 198\.18\.0\.0\/24/);
    expect(notAHostOf(gateway, 23)).toBeUndefined();
  });
});
