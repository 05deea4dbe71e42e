import { MagmaError, OptionError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { planConfiguration } from "./configure-adapter.js";
import { formatPrefix, IpConfigurationError } from "./ip-prefix.js";

const WHERE = "adapter.configure";
const ADDRESS = 'an address with its prefix length, e.g. "198.18.0.1/24"';
const NEXT_HOP = 'a gateway address without a prefix length, e.g. "198.18.0.2"';
const UNICAST = "a unicast address";
const NOT_A_PREFIX = 'an IPv4 or IPv6 address with an optional prefix length, e.g. "198.18.0.1/24"';

interface Refusal {
  readonly type: typeof OptionError | typeof IpConfigurationError;
  readonly code: string;
  readonly option: string;
  readonly value: unknown;
  readonly allowed: string;
  readonly message?: RegExp;
  readonly hint?: RegExp;
}

function refusalOf(configuration: unknown, options?: unknown): OptionError | IpConfigurationError {
  try {
    planConfiguration(configuration, options);
  } catch (error) {
    if (error instanceof OptionError || error instanceof IpConfigurationError) return error;
    throw error;
  }
  throw new Error("the configuration was accepted");
}

function expectRefusal(configuration: unknown, options: unknown, expected: Refusal): void {
  const error = refusalOf(configuration, options);
  expect(error).toBeInstanceOf(expected.type);
  expect(error).toBeInstanceOf(MagmaError);
  expect(error).toMatchObject({
    code: expected.code,
    where: WHERE,
    option: expected.option,
    allowed: expected.allowed,
  });
  expect(error.value).toStrictEqual(expected.value);
  expect(error.message).toContain(`${WHERE}: `);
  expect(error.message).toContain(expected.option);
  if (expected.message !== undefined) expect(error.message).toMatch(expected.message);
  if (expected.hint !== undefined) expect(error.hint).toMatch(expected.hint);
}

const v4 = ["198.18.110.1/24"];

describe("configure refuses a configuration of the wrong shape with an OptionError", () => {
  const invalid = (option: string, value: unknown, allowed: string) => ({
    type: OptionError,
    code: "INVALID_OPTION",
    option,
    value,
    allowed,
  });

  it.each([undefined, null, [], "198.18.110.1/24", 42])("the configuration %j", (value) => {
    expectRefusal(value, undefined, invalid("configuration", value, "an object"));
  });

  it("an unknown field, a misspelt one most often", () => {
    expectRefusal({ addresses: v4, route: ["198.19.0.0/16"] }, undefined, {
      type: OptionError,
      code: "UNKNOWN_OPTION",
      option: "route",
      value: ["198.19.0.0/16"],
      allowed: "addresses, routes, mtu, dns",
      message: /unknown option "route"; the options are addresses, routes, mtu, dns/,
    });
  });

  it.each([undefined, "198.18.110.1/24", { 0: "198.18.110.1/24" }])("addresses %j", (value) => {
    expectRefusal(
      { addresses: value },
      undefined,
      invalid(
        "addresses",
        value,
        'an array of addresses with their prefix lengths, e.g. ["198.18.0.1/24"]',
      ),
    );
  });

  it.each([42, null, undefined, { address: "198.18.110.1/24" }])("an address %j", (value) => {
    expectRefusal(
      { addresses: [...v4, value] },
      undefined,
      invalid("addresses[1]", value, ADDRESS),
    );
  });

  it("a hole in the addresses array", () => {
    const addresses = new Array<string>(2);
    addresses[1] = "198.18.110.1/24";
    expectRefusal({ addresses }, undefined, invalid("addresses[0]", undefined, ADDRESS));
  });

  it.each(["198.19.0.0/16", { destination: "198.19.0.0/16" }, null])("routes %j", (value) => {
    expectRefusal(
      { addresses: v4, routes: value },
      undefined,
      invalid(
        "routes",
        value,
        'an array of routes, each a prefix such as "198.19.0.0/16" or { destination, nextHop?, metric? }',
      ),
    );
  });

  it.each([42, null, ["198.19.0.0/16"]])("a route %j", (value) => {
    expectRefusal(
      { addresses: v4, routes: ["198.19.0.0/16", value] },
      undefined,
      invalid(
        "routes[1]",
        value,
        'a destination prefix such as "198.19.0.0/16", or { destination, nextHop?, metric? }',
      ),
    );
  });

  it("an unknown field inside a route", () => {
    expectRefusal(
      { addresses: v4, routes: [{ destination: "198.19.0.0/16", gateway: "198.18.110.2" }] },
      undefined,
      {
        type: OptionError,
        code: "UNKNOWN_OPTION",
        option: "routes[0].gateway",
        value: "198.18.110.2",
        allowed: "destination, nextHop, metric",
        message:
          /unknown option "routes\[0\]\.gateway"; the options are destination, nextHop, metric/,
      },
    );
  });

  it.each([undefined, 42, ["198.19.0.0/16"]])("a route's destination %j", (value) => {
    expectRefusal(
      { addresses: v4, routes: [{ destination: value }] },
      undefined,
      invalid("routes[0].destination", value, 'a destination prefix, e.g. "198.19.0.0/16"'),
    );
  });

  it.each([null, 42, { address: "198.18.110.2" }])("a route's nextHop %j", (value) => {
    expectRefusal(
      { addresses: v4, routes: [{ destination: "198.19.0.0/16", nextHop: value }] },
      undefined,
      invalid("routes[0].nextHop", value, NEXT_HOP),
    );
  });

  it.each([-1, 1.5, 2 ** 32, Number.NaN, "5", 5n])("a route's metric %s", (value) => {
    expectRefusal(
      { addresses: v4, routes: [{ destination: "198.19.0.0/16", metric: value }] },
      undefined,
      invalid("routes[0].metric", value, "an integer from 0 to 4294967295"),
    );
  });

  it.each([575, 65536, 1400.5, Number.NaN, "1400", null])("an IPv4 mtu %s", (value) => {
    expectRefusal(
      { addresses: v4, mtu: value },
      undefined,
      invalid("mtu", value, "an integer from 576 to 65535"),
    );
  });

  it.each([
    { addresses: ["fd6d:6167:6d61:110::1/64"] },
    { addresses: v4, routes: ["fd6d:6167:6d61:111::/64"] },
  ])("an mtu under 1280 once IPv6 is configured (RFC 8200 §5): %j", (configuration) => {
    expectRefusal({ ...configuration, mtu: 1279 }, undefined, {
      ...invalid("mtu", 1279, "an integer from 1280 to 65535"),
      hint: /IPv6 needs at least 1280/,
    });
  });

  it.each([null, [], "fast"])("the call's options %j", (value) => {
    expectRefusal({ addresses: v4 }, value, invalid("options", value, "an object"));
  });

  it("an unknown option of the call", () => {
    expectRefusal(
      { addresses: v4 },
      { notBoundRetry: 3 },
      {
        type: OptionError,
        code: "UNKNOWN_OPTION",
        option: "notBoundRetry",
        value: 3,
        allowed: "notBoundRetries, notBoundRetryDelayMs",
      },
    );
  });

  it.each([-1, 1001, 2.5, "3"])("notBoundRetries %j", (value) => {
    expectRefusal(
      { addresses: v4 },
      { notBoundRetries: value },
      invalid("notBoundRetries", value, "an integer from 0 to 1000"),
    );
  });

  it.each([-1, 10_001, 0.5, "50"])("notBoundRetryDelayMs %j", (value) => {
    expectRefusal(
      { addresses: v4 },
      { notBoundRetryDelayMs: value },
      invalid("notBoundRetryDelayMs", value, "an integer from 0 to 10000"),
    );
  });

  it("says in its message the call, the option, the value given and what is allowed", () => {
    expect(refusalOf({ addresses: v4, mtu: "1400" }).message).toBe(
      'adapter.configure: mtu must be an integer from 576 to 65535, got "1400"',
    );
  });
});

describe("configure refuses text that is not an address or prefix with an IpConfigurationError", () => {
  it.each(["198.18.110.300/24", "198.18.110.1/33", "fe80::1%eth0/64", ""])(
    "the address %j",
    (text) => {
      const error = refusalOf({ addresses: [...v4, text] });
      expect(error).toBeInstanceOf(IpConfigurationError);
      expect(error).toMatchObject({ code: "INVALID_PREFIX", option: "addresses[1]", value: text });
    },
  );

  it("a route destination with bits set past its prefix length, with the prefix meant", () => {
    const expected = {
      type: IpConfigurationError,
      code: "INVALID_PREFIX",
      value: "198.19.1.2/16",
      allowed: "a prefix with no bits set past its length",
      hint: /did you mean "198\.19\.0\.0\/16"\?/,
    };
    expectRefusal({ addresses: v4, routes: ["198.19.1.2/16"] }, undefined, {
      ...expected,
      option: "routes[0]",
    });
    expectRefusal({ addresses: v4, routes: [{ destination: "198.19.1.2/16" }] }, undefined, {
      ...expected,
      option: "routes[0].destination",
    });
    expectRefusal({ addresses: [], routes: ["fd6d:6167:6d61:111::1/64"] }, undefined, {
      ...expected,
      value: "fd6d:6167:6d61:111::1/64",
      option: "routes[0]",
      hint: /did you mean "fd6d:6167:6d61:111::\/64"\?/,
    });
  });

  it("a route destination that is not a prefix", () => {
    expectRefusal({ addresses: v4, routes: ["default"] }, undefined, {
      type: IpConfigurationError,
      code: "INVALID_PREFIX",
      option: "routes[0]",
      value: "default",
      allowed: NOT_A_PREFIX,
    });
  });

  it("a nextHop with a prefix length", () => {
    expectRefusal(
      { addresses: v4, routes: [{ destination: "198.19.0.0/16", nextHop: "198.18.110.2/24" }] },
      undefined,
      {
        type: IpConfigurationError,
        code: "INVALID_PREFIX",
        option: "routes[0].nextHop",
        value: "198.18.110.2/24",
        allowed: NEXT_HOP,
      },
    );
  });

  it("a nextHop of the other address family than the destination", () => {
    expectRefusal(
      { addresses: v4, routes: [{ destination: "198.19.0.0/16", nextHop: "fd6d::1" }] },
      undefined,
      {
        type: IpConfigurationError,
        code: "INVALID_CONFIGURATION",
        option: "routes[0].nextHop",
        value: "fd6d::1",
        allowed: "an IPv4 address, like the destination 198.19.0.0/16",
        message: /"fd6d::1" is an IPv6 address/,
      },
    );
  });
});

describe("configure refuses an address no adapter can hold", () => {
  const unusable = (option: string, value: string, allowed: string, message: RegExp) => ({
    type: IpConfigurationError,
    code: "UNUSABLE_ADDRESS",
    option,
    value,
    allowed,
    message,
  });

  it.each([
    ["0.0.0.0/24", /the unspecified address \(RFC 1122 §3\.2\.1\.3 \(a\)\)/],
    ["0.1.2.3/8", /in 0\.0\.0\.0\/8, "this network".*\(RFC 1122 §3\.2\.1\.3 \(b\)\)/],
    ["127.0.0.1/8", /a loopback address \(RFC 1122 §3\.2\.1\.3 \(g\)\)/],
    ["224.0.0.1/24", /a multicast address \(RFC 1112 §4\)/],
    ["239.1.2.3/32", /a multicast address \(RFC 1112 §4\)/],
    ["255.255.255.255/32", /the limited broadcast address \(RFC 1122 §3\.2\.1\.3 \(c\)\)/],
    ["::/64", /the unspecified address \(RFC 4291 §2\.5\.2\)/],
    ["::1/128", /the loopback address \(RFC 4291 §2\.5\.3\)/],
    ["ff02::1/64", /a multicast address \(RFC 4291 §2\.7\)/],
    ["::ffff:198.18.110.1/120", /an IPv4-mapped IPv6 address \(RFC 4291 §2\.5\.5\.2\)/],
  ])("%s as an address", (text, message) => {
    expectRefusal(
      { addresses: [...v4, text] },
      undefined,
      unusable("addresses[1]", text, UNICAST, message),
    );
  });

  it("an IPv4-mapped address, with the IPv4 address to give instead", () => {
    expect(refusalOf({ addresses: ["::ffff:198.18.110.1/120"] }).hint).toBe(
      'give the IPv4 address itself, "198.18.110.1/24"',
    );
  });

  it.each([
    ["198.18.110.0/24", /the network address of 198\.18\.110\.0\/24 \(RFC 1122 §3\.2\.1\.3\)/],
    [
      "198.18.110.255/24",
      /the broadcast address of 198\.18\.110\.0\/24 \(RFC 1122 §3\.2\.1\.3 \(d\)\)/,
    ],
  ])("%s, leaving the prefix no host, with the hosts it has", (text, message) => {
    expectRefusal(
      { addresses: [text] },
      undefined,
      unusable("addresses[0]", text, "an address from 198.18.110.1 to 198.18.110.254", message),
    );
  });

  it("198.18.110.4/30 and 198.18.110.7/30: a /30 has two hosts", () => {
    for (const text of ["198.18.110.4/30", "198.18.110.7/30"]) {
      expect(refusalOf({ addresses: [text] })).toMatchObject({
        code: "UNUSABLE_ADDRESS",
        allowed: "an address from 198.18.110.5 to 198.18.110.6",
      });
    }
  });

  it("an IPv6 Subnet-Router anycast address as an address (RFC 4291 §2.6.1)", () => {
    expectRefusal(
      { addresses: ["fd6d:6167:6d61:110::/64"] },
      undefined,
      unusable(
        "addresses[0]",
        "fd6d:6167:6d61:110::/64",
        "an address from fd6d:6167:6d61:110::1 to fd6d:6167:6d61:110:ffff:ffff:ffff:ffff",
        /the Subnet-Router anycast address of fd6d:6167:6d61:110::\/64 \(RFC 4291 §2\.6\.1\)/,
      ),
    );
  });
});

describe("configure refuses a gateway that is not a unicast host", () => {
  const route = (nextHop: string, destination = "198.19.0.0/16") => ({
    addresses: ["198.18.110.1/24", "fd6d:6167:6d61:110::1/64"],
    routes: [{ destination, nextHop }],
  });

  it.each([
    ["0.0.0.0", /the unspecified address/],
    ["127.0.0.1", /a loopback address/],
    ["224.0.0.1", /a multicast address/],
    ["255.255.255.255", /the limited broadcast address/],
  ])("%s", (nextHop, message) => {
    expectRefusal(route(nextHop), undefined, {
      type: IpConfigurationError,
      code: "UNUSABLE_ADDRESS",
      option: "routes[0].nextHop",
      value: nextHop,
      allowed: UNICAST,
      message,
    });
  });

  it.each([
    ["::", /the unspecified address/],
    ["::1", /the loopback address/],
    ["ff02::2", /a multicast address/],
    ["::ffff:198.18.110.2", /an IPv4-mapped IPv6 address/],
  ])("%s", (nextHop, message) => {
    expectRefusal(route(nextHop, "fd6d:6167:6d61:111::/64"), undefined, {
      type: IpConfigurationError,
      code: "UNUSABLE_ADDRESS",
      option: "routes[0].nextHop",
      value: nextHop,
      allowed: UNICAST,
      message,
    });
  });

  it("an IPv4-mapped address, without a hint to give an IPv4 gateway to an IPv6 route", () => {
    expect(refusalOf(route("::ffff:198.18.110.2", "::/0")).hint).toBeUndefined();
  });

  it("the unspecified address, saying that an on-link route leaves nextHop out", () => {
    expect(refusalOf(route("0.0.0.0")).hint).toBe("leave nextHop out for an on-link route");
    expect(refusalOf(route("::", "::/0")).hint).toBe("leave nextHop out for an on-link route");
  });

  it.each([
    [
      "198.18.110.255",
      /the broadcast address of 198\.18\.110\.0\/24 .*, the prefix of addresses\[0\]/,
    ],
    ["198.18.110.0", /the network address of 198\.18\.110\.0\/24 .*, the prefix of addresses\[0\]/],
  ])("%s, not a host of the adapter's own prefix", (nextHop, message) => {
    expectRefusal(route(nextHop), undefined, {
      type: IpConfigurationError,
      code: "UNUSABLE_ADDRESS",
      option: "routes[0].nextHop",
      value: nextHop,
      allowed: "an address from 198.18.110.1 to 198.18.110.254",
      message,
    });
  });

  it("the Subnet-Router anycast address of the adapter's IPv6 prefix", () => {
    expect(refusalOf(route("fd6d:6167:6d61:110::", "fd6d:6167:6d61:111::/64")).message).toMatch(
      /the Subnet-Router anycast address of fd6d:6167:6d61:110::\/64/,
    );
  });
});

describe("configure accepts", () => {
  it("both ends of an IPv4 /31 (RFC 3021) and of an IPv6 /127 (RFC 6164 §5), and single hosts", () => {
    const plan = planConfiguration({
      addresses: [
        "198.18.110.0/31",
        "198.18.110.3/31",
        "198.18.111.0/32",
        "198.18.111.255/32",
        "fd6d:6167:6d61:110::/127",
        "fd6d:6167:6d61:110::1/127",
        "fd6d:6167:6d61:111::/128",
      ],
    });
    expect(plan.addresses).toHaveLength(7);
  });

  it("gateways that are hosts of the adapter's prefixes, link-local ones included", () => {
    const plan = planConfiguration({
      addresses: ["198.18.110.1/23", "fd6d:6167:6d61:110::1/64"],
      routes: [
        { destination: "198.19.0.0/16", nextHop: "198.18.110.255" },
        { destination: "198.20.0.0/16", nextHop: "198.18.111.254", metric: 4294967295 },
        { destination: "fd6d:6167:6d61:111::/64", nextHop: "fe80::1" },
        { destination: "fd6d:6167:6d61:112::/64", nextHop: "fd6d:6167:6d61:110::ffff" },
      ],
    });
    expect(plan.routes.map((r) => r.nextHop?.text)).toEqual([
      "198.18.110.255",
      "198.18.111.254",
      "fe80::1",
      "fd6d:6167:6d61:110::ffff",
    ]);
  });

  it("any destination prefix without host bits: default routes, multicast, single hosts", () => {
    const plan = planConfiguration({
      addresses: [],
      routes: ["0.0.0.0/0", "::/0", "224.0.0.0/4", "ff00::/8", "198.19.0.1", "198.19.0.0/32"],
    });
    expect(plan.routes.map((r) => formatPrefix(r.prefix))).toEqual([
      "0.0.0.0/0",
      "::/0",
      "224.0.0.0/4",
      "ff00::/8",
      "198.19.0.1/32",
      "198.19.0.0/32",
    ]);
  });

  it("the MTU at the edges of its range per family, and fields given as undefined", () => {
    expect(planConfiguration({ addresses: v4, mtu: 576 }).mtu).toBe(576);
    expect(planConfiguration({ addresses: v4, mtu: 65535 }).mtu).toBe(65535);
    expect(planConfiguration({ addresses: ["fd6d:6167:6d61:110::1/64"], mtu: 1280 }).mtu).toBe(
      1280,
    );
    expect(planConfiguration({ addresses: v4, routes: undefined, mtu: undefined })).toMatchObject({
      routes: [],
      mtu: undefined,
    });
  });

  it("the call's options, with their defaults when absent", () => {
    expect(planConfiguration({ addresses: v4 })).toMatchObject({
      notBoundRetries: 20,
      notBoundRetryDelayMs: 50,
    });
    expect(
      planConfiguration({ addresses: v4 }, { notBoundRetries: 0, notBoundRetryDelayMs: 10_000 }),
    ).toMatchObject({ notBoundRetries: 0, notBoundRetryDelayMs: 10_000 });
  });
});
