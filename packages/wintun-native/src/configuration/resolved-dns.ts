import { spawnSync } from "node:child_process";
import type { DnsBackend } from "./dns-backend.js";
import type { DnsPlan } from "./dns-settings.js";
import { IpHelperStatus } from "./ip-helper-status.js";

/** Runs `busctl` with these arguments; tests pass their own. */
export type BusctlRunner = (args: readonly string[]) => {
  status: number | null;
  stdout: string;
  stderr: string;
  /** Set when busctl could not be started at all (not installed). */
  error?: Error | undefined;
};

const runBusctl: BusctlRunner = (args) => {
  const run = spawnSync("busctl", ["--system", ...args], { encoding: "utf8", timeout: 10_000 });
  return {
    status: run.status,
    stdout: run.stdout ?? "",
    stderr: run.stderr ?? "",
    error: run.error,
  };
};

const RESOLVED = [
  "org.freedesktop.resolve1",
  "/org/freedesktop/resolve1",
  "org.freedesktop.resolve1.Manager",
];
// Linux address families, as resolved's SetLinkDNS takes them.
const AF_INET = 2;
const AF_INET6 = 10;

/**
 * The adapter's kernel interface index. On Linux the LUID is built as (53 << 48) | (ifindex << 24)
 * (native/src/ipconfig/ip_configuration_linux.cc), so it leads straight to the link.
 */
export function interfaceIndexOfLuid(luid: bigint): number {
  return Number((luid >> 24n) & 0xffffffn);
}

/**
 * Whether systemd-resolved owns its name on the system bus: where it does not (or there is no
 * bus, or no busctl), `adapter.configure({ dns })` answers ERROR_NOT_SUPPORTED on Linux.
 */
export function resolvedOnSystemBus(busctl: BusctlRunner = runBusctl): boolean {
  const owner = busctl([
    "call",
    "org.freedesktop.DBus",
    "/org/freedesktop/DBus",
    "org.freedesktop.DBus",
    "NameHasOwner",
    "s",
    RESOLVED[0] as string,
  ]);
  return owner.error === undefined && owner.status === 0 && owner.stdout.trim() === "b true";
}

/**
 * Linux: per-link DNS in systemd-resolved, through its D-Bus API (`busctl`, which ships with
 * systemd): SetLinkDNS and SetLinkDomains replace the link's resolvers and search domains, and
 * RevertLink drops both. A machine without resolved on the system bus gets ERROR_NOT_SUPPORTED:
 * its resolv.conf is the administrator's, not ours to rewrite.
 */
export class ResolvedDns implements DnsBackend {
  constructor(private readonly busctl: BusctlRunner = runBusctl) {}

  setDns(luid: bigint, dns: DnsPlan): number {
    if (!this.#resolvedRuns()) return IpHelperStatus.ERROR_NOT_SUPPORTED;
    const link = String(interfaceIndexOfLuid(luid));
    const servers = dns.servers.flatMap((server) => [
      String(server.family === 6 ? AF_INET6 : AF_INET),
      String(server.bytes.length),
      ...Array.from(server.bytes, String),
    ]);
    const status = this.#call([
      "SetLinkDNS",
      "ia(iay)",
      link,
      String(dns.servers.length),
      ...servers,
    ]);
    if (status !== IpHelperStatus.NO_ERROR) return status;
    // The second member is "routing only": false makes each a search domain, as Windows' list is.
    const domains = dns.searchDomains.flatMap((domain) => [domain, "false"]);
    return this.#call([
      "SetLinkDomains",
      "ia(sb)",
      link,
      String(dns.searchDomains.length),
      ...domains,
    ]);
  }

  clearDns(luid: bigint): number {
    if (!this.#resolvedRuns()) return IpHelperStatus.ERROR_NOT_SUPPORTED;
    return this.#call(["RevertLink", "i", String(interfaceIndexOfLuid(luid))]);
  }

  #resolvedRuns(): boolean {
    return resolvedOnSystemBus(this.busctl);
  }

  #call(method: readonly string[]): number {
    const [name, ...rest] = method;
    const run = this.busctl(["call", ...RESOLVED, name as string, ...rest]);
    if (run.error === undefined && run.status === 0) return IpHelperStatus.NO_ERROR;
    if (/access denied|permission denied|not authorized/i.test(run.stderr)) {
      return IpHelperStatus.ERROR_ACCESS_DENIED;
    }
    if (/no such link|unknown interface|link .* not known/i.test(run.stderr)) {
      return IpHelperStatus.ERROR_NOT_FOUND;
    }
    return IpHelperStatus.ERROR_GEN_FAILURE;
  }
}
