import * as dgram from "node:dgram";
import { once } from "node:events";
import { afterEach, expect, it } from "vitest";
import { describeNetwork, run } from "../test-support/network-test.js";
import { WinTunAdapter } from "../wintun-adapter.js";
import { WinTunError } from "../wintun-error.js";
import { IpHelperError } from "./ip-helper-status.js";
import { IpConfigurationError } from "./ip-prefix.js";
import { resolvedOnSystemBus } from "./resolved-dns.js";

const adapters: WinTunAdapter[] = [];
afterEach(() => {
  for (const adapter of adapters.splice(0)) adapter.close();
});

async function createAdapter(name: string): Promise<WinTunAdapter> {
  const adapter = await WinTunAdapter.create({ name, tunnelType: "Magma" });
  adapters.push(adapter);
  return adapter;
}

interface KernelAddress {
  local: string;
  prefixlen: number;
}

function kernelAddresses(name: string): string[] {
  const [link] = JSON.parse(run("ip", ["-j", "addr", "show", "dev", name])) as {
    addr_info: KernelAddress[];
  }[];
  return (link?.addr_info ?? [])
    .map((address) => `${address.local}/${address.prefixlen}`)
    .filter((address) => !address.startsWith("fe80:"));
}

function kernelRoutes(name: string, family: "-4" | "-6"): string[] {
  const routes = JSON.parse(run("ip", ["-j", family, "route", "show", "dev", name])) as {
    dst: string;
    metric?: number;
  }[];
  return routes.map((route) => `${route.dst}${route.metric ? ` metric ${route.metric}` : ""}`);
}

function kernelMtu(name: string): number {
  const [link] = JSON.parse(run("ip", ["-j", "link", "show", "dev", name])) as { mtu: number }[];
  return link?.mtu ?? 0;
}

describeNetwork("adapter.configure with the kernel", () => {
  it("gives the kernel the addresses, routes and MTU, and removes what it added", async () => {
    const adapter = await createAdapter("mgw-cfg1");
    const applied = await adapter.configure({
      addresses: ["198.18.80.1/24", "fd6d:6167:6d61:80::1/64"],
      routes: ["198.19.80.0/24", { destination: "198.19.81.0/24", metric: 7 }],
      mtu: 1400,
    });
    expect(kernelAddresses("mgw-cfg1").sort()).toEqual([
      "198.18.80.1/24",
      "fd6d:6167:6d61:80::1/64",
    ]);
    expect(kernelRoutes("mgw-cfg1", "-4")).toEqual(
      expect.arrayContaining(["198.18.80.0/24", "198.19.80.0/24", "198.19.81.0/24 metric 7"]),
    );
    expect(kernelRoutes("mgw-cfg1", "-6")).toEqual(
      expect.arrayContaining(["fd6d:6167:6d61:80::/64 metric 256"]),
    );
    expect(kernelMtu("mgw-cfg1")).toBe(1400);

    adapter.removeConfiguration(applied);
    expect(kernelAddresses("mgw-cfg1")).toEqual([]);
    expect(kernelRoutes("mgw-cfg1", "-4")).toEqual([]);
  });

  it("counts what already exists as done, and leaves it in place when removing", async () => {
    const adapter = await createAdapter("mgw-cfg2");
    const first = await adapter.configure({
      addresses: ["198.18.82.1/24"],
      routes: ["198.19.82.0/24"],
    });
    const second = await adapter.configure({
      addresses: ["198.18.82.1/24"],
      routes: ["198.19.82.0/24"],
    });
    expect(second.addresses.map((a) => a.created)).toEqual([false]);
    expect(second.routes.map((r) => r.created)).toEqual([false]);
    adapter.removeConfiguration(second);
    expect(kernelAddresses("mgw-cfg2")).toEqual(["198.18.82.1/24"]);
    adapter.removeConfiguration(first);
    expect(kernelAddresses("mgw-cfg2")).toEqual([]);
  });

  it("routes the kernel's traffic for a configured route through the adapter", async () => {
    const adapter = await createAdapter("mgw-cfg3");
    run("sysctl", ["-qw", "net.ipv6.conf.mgw-cfg3.disable_ipv6=1"]);
    await adapter.configure({ addresses: ["198.18.83.1/24"], routes: ["198.19.83.0/24"] });
    const session = adapter.startSession();
    const socket = dgram.createSocket("udp4");
    socket.bind(0, "198.18.83.1");
    await once(socket, "listening");
    socket.send("via the route", 9, "198.19.83.77");
    const [packet] = await session.receive({ signal: AbortSignal.timeout(5000) });
    expect(packet).toBeDefined();
    if (packet !== undefined) {
      expect([...packet.memory.subarray(16, 20)]).toEqual([198, 19, 83, 77]);
      packet.dispose();
    }
    socket.close();
  });

  it("undoes its changes and names the call when the system refuses one", async () => {
    const adapter = await createAdapter("mgw-cfg4");
    // A gateway outside every on-link prefix: the kernel refuses the route (as Windows does).
    const failure = adapter.configure({
      addresses: ["198.18.84.1/24"],
      routes: [{ destination: "198.19.84.0/24", nextHop: "198.20.0.1" }],
    });
    await expect(failure).rejects.toMatchObject({
      name: "IpHelperError",
      call: "CreateIpForwardEntry2",
    });
    expect(kernelAddresses("mgw-cfg4")).toEqual([]);
  });

  it("refuses a gateway that is the subnet's broadcast address before changing anything", async () => {
    const adapter = await createAdapter("mgw-cfv1");
    const mtuBefore = kernelMtu("mgw-cfv1");
    const failure = adapter.configure({
      addresses: ["198.18.110.1/24"],
      routes: [{ destination: "198.19.110.0/24", nextHop: "198.18.110.255" }],
      mtu: 1400,
    });
    await expect(failure).rejects.toBeInstanceOf(IpConfigurationError);
    await expect(failure).rejects.toMatchObject({
      code: "UNUSABLE_ADDRESS",
      option: "routes[0].nextHop",
      value: "198.18.110.255",
      allowed: "an address from 198.18.110.1 to 198.18.110.254",
    });
    expect(kernelAddresses("mgw-cfv1")).toEqual([]);
    expect(kernelRoutes("mgw-cfv1", "-4")).toEqual([]);
    expect(kernelMtu("mgw-cfv1")).toBe(mtuBefore);
  });

  it("gives the kernel the zero end of an IPv4 /31 (RFC 3021) and of an IPv6 /127 (RFC 6164)", async () => {
    const adapter = await createAdapter("mgw-cfv2");
    const applied = await adapter.configure({
      addresses: ["198.18.111.0/31", "fd6d:6167:6d61:111::/127"],
    });
    expect(kernelAddresses("mgw-cfv2").sort()).toEqual([
      "198.18.111.0/31",
      "fd6d:6167:6d61:111::/127",
    ]);
    adapter.removeConfiguration(applied);
    expect(kernelAddresses("mgw-cfv2")).toEqual([]);
  });

  it("refuses to configure a closed adapter", async () => {
    const adapter = await createAdapter("mgw-cfg5");
    adapter.close();
    await expect(adapter.configure({ addresses: ["198.18.85.1/24"] })).rejects.toBeInstanceOf(
      WinTunError,
    );
  });

  it.runIf(!resolvedOnSystemBus())(
    "refuses DNS where systemd-resolved does not run, with the typed error, and undoes the addresses",
    async () => {
      const adapter = await createAdapter("mgw-cfg6");
      const failure = adapter.configure({
        addresses: ["198.18.86.1/24"],
        dns: { servers: ["198.18.86.53"], searchDomains: ["corp.example"] },
      });
      const error = (await failure.catch((caught: unknown) => caught)) as IpHelperError;
      expect(error).toBeInstanceOf(IpHelperError);
      expect(error.symbol).toBe("ERROR_NOT_SUPPORTED");
      expect(error.call).toBe("SetInterfaceDnsSettings");
      expect(error.hint).toContain("systemd-resolved");
      expect(kernelAddresses("mgw-cfg6")).toEqual([]);
    },
  );
});
