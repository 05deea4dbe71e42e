import { OptionError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import {
  type AdapterConfiguration,
  type ConfigureOptions,
  configureAdapter,
  planConfiguration,
  removeConfiguration,
} from "./configure-adapter.js";
import type { DnsPlan } from "./dns-settings.js";
import type { IpConfigurationBackend } from "./ip-configuration-backend.js";
import { IpHelperError, IpHelperStatus } from "./ip-helper-status.js";
import { IpConfigurationError, type IpPrefix } from "./ip-prefix.js";

const LUID = (53n << 48n) | (7n << 24n);

/** Records every call; answers from a script keyed by "call what", NO_ERROR otherwise. */
class FakeBackend implements IpConfigurationBackend {
  readonly calls: string[] = [];
  readonly answers = new Map<string, number[]>();

  answer(key: string, ...statuses: number[]): this {
    this.answers.set(key, statuses);
    return this;
  }

  private record(key: string, luid: bigint): number {
    expect(luid).toBe(LUID);
    this.calls.push(key);
    const queue = this.answers.get(key);
    return queue !== undefined && queue.length > 0
      ? (queue.shift() as number)
      : IpHelperStatus.NO_ERROR;
  }

  addUnicastAddress(luid: bigint, address: IpPrefix): number {
    return this.record(`addAddress ${address.text}`, luid);
  }
  deleteUnicastAddress(luid: bigint, address: IpPrefix): number {
    return this.record(`deleteAddress ${address.text}`, luid);
  }
  addRoute(
    luid: bigint,
    destination: IpPrefix,
    nextHop: IpPrefix | undefined,
    metric: number,
  ): number {
    return this.record(
      `addRoute ${prefixText(destination)} via ${nextHop?.text ?? "on-link"} metric ${metric}`,
      luid,
    );
  }
  deleteRoute(luid: bigint, destination: IpPrefix, nextHop: IpPrefix | undefined): number {
    return this.record(
      `deleteRoute ${prefixText(destination)} via ${nextHop?.text ?? "on-link"}`,
      luid,
    );
  }
  setMtu(luid: bigint, family: 4 | 6, mtu: number): number {
    return this.record(`setMtu v${family} ${mtu}`, luid);
  }
  setDns(luid: bigint, dns: DnsPlan): number {
    const servers = dns.servers.map((server) => server.text).join(",");
    return this.record(`setDns [${servers}] search [${dns.searchDomains.join(",")}]`, luid);
  }
  clearDns(luid: bigint): number {
    return this.record("clearDns", luid);
  }
}

function prefixText(prefix: IpPrefix): string {
  return `${[...prefix.bytes].join(".")}/${prefix.prefixLength}`;
}

const noWait = { notBoundRetryDelayMs: 0 };

describe("configureAdapter", () => {
  it("sets the MTU per family, then addresses, then routes", async () => {
    const backend = new FakeBackend();
    await configureAdapter(backend, LUID, {
      addresses: ["198.18.0.1/24", "fd6d:6167:6d61::1/64"],
      routes: ["198.19.0.0/16", { destination: "198.20.0.0/15", nextHop: "198.18.0.2", metric: 5 }],
      mtu: 1400,
    });
    expect(backend.calls).toEqual([
      "setMtu v4 1400",
      "setMtu v6 1400",
      "addAddress 198.18.0.1/24",
      "addAddress fd6d:6167:6d61::1/64",
      "addRoute 198.19.0.0/16 via on-link metric 0",
      "addRoute 198.20.0.0/15 via 198.18.0.2 metric 5",
    ]);
  });

  it("treats an address or route that already exists as done, and does not remove it later", async () => {
    const backend = new FakeBackend()
      .answer("addAddress 198.18.0.1/24", IpHelperStatus.ERROR_OBJECT_ALREADY_EXISTS)
      .answer(
        "addRoute 198.19.0.0/16 via on-link metric 0",
        IpHelperStatus.ERROR_OBJECT_ALREADY_EXISTS,
      );
    const applied = await configureAdapter(backend, LUID, {
      addresses: ["198.18.0.1/24", "198.18.0.9/24"],
      routes: ["198.19.0.0/16"],
    });
    backend.calls.length = 0;
    removeConfiguration(backend, LUID, applied);
    expect(backend.calls).toEqual(["deleteAddress 198.18.0.9/24"]);
  });

  it("undoes what it created when a later call fails, then throws a typed error with a hint", async () => {
    const backend = new FakeBackend().answer(
      "addRoute 198.19.0.0/16 via on-link metric 0",
      IpHelperStatus.ERROR_ACCESS_DENIED,
    );
    const failure = configureAdapter(backend, LUID, {
      addresses: ["198.18.0.1/24"],
      routes: ["198.19.0.0/16"],
    });
    await expect(failure).rejects.toBeInstanceOf(IpHelperError);
    await expect(failure).rejects.toMatchObject({
      code: 5,
      symbol: "ERROR_ACCESS_DENIED",
      call: "CreateIpForwardEntry2",
    });
    await expect(failure).rejects.toThrow(/run as root or with CAP_NET_ADMIN|run as Administrator/);
    expect(backend.calls.at(-1)).toBe("deleteAddress 198.18.0.1/24");
  });

  it("waits for an address family that is not bound yet, up to the retry limit", async () => {
    const notFound = IpHelperStatus.ERROR_NOT_FOUND;
    const bound = new FakeBackend().answer(
      "setMtu v4 1500",
      notFound,
      notFound,
      IpHelperStatus.NO_ERROR,
    );
    await configureAdapter(bound, LUID, { addresses: ["198.18.0.1/24"], mtu: 1500 }, noWait);
    expect(bound.calls.filter((call) => call.startsWith("setMtu"))).toHaveLength(3);

    const never = new FakeBackend().answer(
      "setMtu v4 1500",
      ...new Array<number>(10).fill(notFound),
    );
    const failure = configureAdapter(
      never,
      LUID,
      { addresses: ["198.18.0.1/24"], mtu: 1500 },
      {
        ...noWait,
        notBoundRetries: 3,
      },
    );
    await expect(failure).rejects.toMatchObject({ code: 1168, call: "SetIpInterfaceEntry" });
    expect(never.calls).toEqual(new Array(4).fill("setMtu v4 1500"));
  });

  it("refuses bad input before making any call, even when only the last item is bad", async () => {
    const good = {
      addresses: ["198.18.0.1/24", "fd6d:6167:6d61::1/64"],
      routes: ["198.19.0.0/16", { destination: "198.20.0.0/16", nextHop: "198.18.0.2" }],
      mtu: 1400,
    };
    const cases: Array<[unknown, unknown, new (...args: never[]) => Error, RegExp]> = [
      [{ ...good, mtu: 1279 }, {}, OptionError, /IPv6 needs at least 1280/],
      [{ ...good, mtu: "1400" }, {}, OptionError, /mtu must be an integer/],
      [{ ...good, extra: true }, {}, OptionError, /unknown option "extra"/],
      [
        { ...good, routes: [...good.routes, { destination: "198.21.0.0/16", via: "x" }] },
        {},
        OptionError,
        /routes\[2\]\.via/,
      ],
      [
        { ...good, routes: [...good.routes, { destination: "198.21.0.0/16", metric: -1 }] },
        {},
        OptionError,
        /routes\[2\]\.metric/,
      ],
      [good, { notBoundRetries: -1 }, OptionError, /notBoundRetries must be/],
      [
        { ...good, addresses: [...good.addresses, "198.18.0.300/24"] },
        {},
        IpConfigurationError,
        /not an IPv4 or IPv6 address/,
      ],
      [
        { ...good, addresses: [...good.addresses, "198.18.1.255/24"] },
        {},
        IpConfigurationError,
        /broadcast address/,
      ],
      [
        { ...good, addresses: [...good.addresses, "224.0.0.1/24"] },
        {},
        IpConfigurationError,
        /multicast/,
      ],
      [
        { ...good, routes: [...good.routes, "198.21.1.0/16"] },
        {},
        IpConfigurationError,
        /bits set past its length/,
      ],
      [
        { ...good, routes: [...good.routes, { destination: "198.21.0.0/16", nextHop: "fd6d::1" }] },
        {},
        IpConfigurationError,
        /IPv6 address/,
      ],
      [
        {
          ...good,
          routes: [...good.routes, { destination: "198.21.0.0/16", nextHop: "198.18.0.255" }],
        },
        {},
        IpConfigurationError,
        /broadcast address/,
      ],
    ];
    for (const [configuration, options, type, message] of cases) {
      const backend = new FakeBackend();
      const failure = configureAdapter(
        backend,
        LUID,
        configuration as AdapterConfiguration,
        options as ConfigureOptions,
      );
      await expect(failure).rejects.toBeInstanceOf(type);
      await expect(failure).rejects.toThrow(message);
      expect(backend.calls).toEqual([]);
    }
  });
});

describe("removeConfiguration", () => {
  it("removes routes before addresses, accepts what is already gone, and reports the first failure after trying all", async () => {
    const backend = new FakeBackend();
    const applied = await configureAdapter(backend, LUID, {
      addresses: ["198.18.0.1/24", "198.18.0.2/24"],
      routes: ["198.19.0.0/16"],
    });
    backend.calls.length = 0;
    backend
      .answer("deleteRoute 198.19.0.0/16 via on-link", IpHelperStatus.ERROR_NOT_FOUND)
      .answer("deleteAddress 198.18.0.2/24", IpHelperStatus.ERROR_ACCESS_DENIED);
    expect(() => removeConfiguration(backend, LUID, applied)).toThrow(
      /DeleteUnicastIpAddressEntry failed/,
    );
    expect(backend.calls).toEqual([
      "deleteRoute 198.19.0.0/16 via on-link",
      "deleteAddress 198.18.0.2/24",
      "deleteAddress 198.18.0.1/24",
    ]);
  });

  it("takes only what configure returned, and deletes nothing for anything else", async () => {
    const backend = new FakeBackend();
    const applied = await configureAdapter(backend, LUID, { addresses: ["198.18.0.1/24"] });
    backend.calls.length = 0;
    for (const bad of [undefined, null, 5, {}, { ...applied }, { addresses: [], routes: [] }]) {
      let caught: unknown;
      try {
        removeConfiguration(backend, LUID, bad as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OptionError);
      expect(caught).toMatchObject({
        code: "INVALID_OPTION",
        where: "adapter.removeConfiguration",
        option: "applied",
        value: bad,
      });
    }
    expect(backend.calls).toEqual([]);
    removeConfiguration(backend, LUID, applied);
    expect(backend.calls).toEqual(["deleteAddress 198.18.0.1/24"]);
  });
});

describe("planConfiguration", () => {
  it("defaults to the IPv4 family when nothing names one", () => {
    expect(planConfiguration({ addresses: [], mtu: 1500 }).families).toEqual([4]);
  });
});

describe("configureAdapter with dns", () => {
  const dns = { servers: ["198.18.0.53", "fd6d:6167:6d61::53"], searchDomains: ["corp.example."] };

  it("sets the resolvers and search list last, and removeConfiguration clears them first", async () => {
    const backend = new FakeBackend();
    const applied = await configureAdapter(backend, LUID, {
      addresses: ["198.18.0.1/24"],
      routes: ["198.19.0.0/16"],
      dns,
    });
    expect(backend.calls).toEqual([
      "addAddress 198.18.0.1/24",
      "addRoute 198.19.0.0/16 via on-link metric 0",
      "setDns [198.18.0.53,fd6d:6167:6d61::53] search [corp.example]",
    ]);
    backend.calls.length = 0;
    removeConfiguration(backend, LUID, applied);
    expect(backend.calls).toEqual([
      "clearDns",
      "deleteRoute 198.19.0.0/16 via on-link",
      "deleteAddress 198.18.0.1/24",
    ]);
  });

  it("takes DNS alone, with no address", async () => {
    const backend = new FakeBackend();
    await configureAdapter(backend, LUID, {
      addresses: [],
      dns: { servers: [], searchDomains: ["corp"] },
    });
    expect(backend.calls).toEqual(["setDns [] search [corp]"]);
  });

  it.each([
    [IpHelperStatus.ERROR_NOT_SUPPORTED, "systemd-resolved"],
    [IpHelperStatus.ERROR_PROC_NOT_FOUND, "Windows 10 version 2004"],
  ])(
    "refused with status %i: undoes the addresses and throws IpHelperError naming the cause",
    async (status, hint) => {
      const backend = new FakeBackend().answer(
        "setDns [198.18.0.53,fd6d:6167:6d61::53] search [corp.example]",
        status,
      );
      const failure = configureAdapter(backend, LUID, { addresses: ["198.18.0.1/24"], dns });
      await expect(failure).rejects.toBeInstanceOf(IpHelperError);
      const error = (await failure.catch((caught: unknown) => caught)) as IpHelperError;
      expect(error.call).toBe("SetInterfaceDnsSettings");
      expect(error.code).toBe(status);
      expect(error.message).toContain(
        "DNS servers 198.18.0.53, fd6d:6167:6d61::53 and search domains corp.example",
      );
      expect(error.hint).toContain(hint);
      expect(backend.calls.at(-1)).toBe("deleteAddress 198.18.0.1/24");
    },
  );

  it("reports a failed clear after removing the rest", async () => {
    const backend = new FakeBackend();
    const applied = await configureAdapter(backend, LUID, { addresses: ["198.18.0.1/24"], dns });
    backend.answer("clearDns", IpHelperStatus.ERROR_ACCESS_DENIED);
    expect(() => removeConfiguration(backend, LUID, applied)).toThrow(IpHelperError);
    expect(backend.calls.slice(-2)).toEqual(["clearDns", "deleteAddress 198.18.0.1/24"]);
  });

  it.each([
    [{ servers: ["198.18.0.53/32"] }, "dns.servers[0]", "INVALID_PREFIX"],
    [{ servers: ["224.0.0.251"] }, "dns.servers[0]", "UNUSABLE_ADDRESS"],
    [{ servers: ["resolver"] }, "dns.servers[0]", "INVALID_PREFIX"],
    [{ servers: [53] }, "dns.servers[0]", "INVALID_OPTION"],
    [{ servers: "198.18.0.53" }, "dns.servers", "INVALID_OPTION"],
    [{ servers: [] }, "dns", "INVALID_OPTION"],
    [
      { servers: [], searchDomains: ["-corp.example"] },
      "dns.searchDomains[0]",
      "INVALID_CONFIGURATION",
    ],
    [
      { servers: [], searchDomains: ["corp..example"] },
      "dns.searchDomains[0]",
      "INVALID_CONFIGURATION",
    ],
    [
      { servers: [], searchDomains: [`${"a".repeat(64)}.example`] },
      "dns.searchDomains[0]",
      "INVALID_CONFIGURATION",
    ],
    [
      { servers: [], searchDomains: [`${"abc.".repeat(63)}example`] },
      "dns.searchDomains[0]",
      "INVALID_CONFIGURATION",
    ],
    [
      { servers: [], searchDomains: ["corp example"] },
      "dns.searchDomains[0]",
      "INVALID_CONFIGURATION",
    ],
    [
      { servers: [], searchDomains: ["ex\u00e4mple.de"] },
      "dns.searchDomains[0]",
      "INVALID_CONFIGURATION",
    ],
    [{ servers: [], domains: ["corp"] }, "dns.domains", "UNKNOWN_OPTION"],
    [{ servers: Array(65).fill("198.18.0.53") }, "dns.servers", "INVALID_OPTION"],
  ])("refuses dns %j before any call: %s, %s", async (given, option, code) => {
    const backend = new FakeBackend();
    const failure = configureAdapter(backend, LUID, {
      addresses: ["198.18.0.1/24"],
      dns: given,
    } as unknown as AdapterConfiguration);
    const error = (await failure.catch((caught: unknown) => caught)) as
      | OptionError
      | IpConfigurationError;
    expect([OptionError, IpConfigurationError].some((type) => error instanceof type)).toBe(true);
    expect(error.code).toBe(code);
    expect(error.option).toBe(option);
    expect(backend.calls).toEqual([]);
  });
});
