import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { emulatorLuid, type ListedAdapter } from "./listed-adapter.js";

/**
 * Wintun has no call that lists adapters. On Linux every adapter is an interface of the network
 * namespace that the library shaped its own way (a multi-queue, non-persistent TUN with the
 * adapter name in its alias) and marks as its creator's for as long as that process lives: an
 * abstract Unix socket "wintun-emu:adapter:<ifindex>", which the kernel unbinds when the creator
 * exits. An adapter-shaped interface without the mark is a leftover of a crashed process.
 */
export const CREATOR_MARK_PREFIX = "@wintun-emu:adapter:";

/** The interface indexes whose creator mark is bound, from /proc/net/unix's text. */
export function creatorMarks(procNetUnix: string): Set<number> {
  const marks = new Set<number>();
  for (const line of procNetUnix.split("\n")) {
    const path = line.trim().split(/\s+/)[7];
    if (path?.startsWith(CREATOR_MARK_PREFIX)) {
      const index = Number(path.slice(CREATOR_MARK_PREFIX.length));
      if (Number.isInteger(index)) marks.add(index);
    }
  }
  return marks;
}

/** The socket inode that binds the creator mark of interface `interfaceIndex`, from /proc/net/unix. */
export function creatorMarkInode(procNetUnix: string, interfaceIndex: number): number | undefined {
  for (const line of procNetUnix.split("\n")) {
    const fields = line.trim().split(/\s+/);
    if (fields[7] === `${CREATOR_MARK_PREFIX}${interfaceIndex}`) return Number(fields[6]);
  }
  return undefined;
}

interface IpLink {
  readonly ifindex?: unknown;
  readonly ifname?: unknown;
  readonly ifalias?: unknown;
  readonly flags?: unknown;
  readonly mtu?: unknown;
  readonly linkinfo?: {
    readonly info_kind?: unknown;
    readonly info_data?: {
      readonly type?: unknown;
      readonly multi_queue?: unknown;
      readonly persist?: unknown;
    };
  };
  readonly addr_info?: readonly { readonly local?: unknown; readonly prefixlen?: unknown }[];
}

/** Shaped as the library makes an adapter's interface (rtnetlink.cc's isEmulatorTun). */
function adapterShaped(link: IpLink): boolean {
  const data = link.linkinfo?.info_data;
  return (
    link.linkinfo?.info_kind === "tun" &&
    data?.type === "tun" &&
    data.multi_queue === true &&
    data.persist === false &&
    typeof link.ifalias === "string" &&
    link.ifalias !== ""
  );
}

/**
 * The adapters among `ip -j -d address show`'s interfaces: those shaped as the library makes
 * them, with their creator's mark (`marks`) or without it (leftovers).
 */
export function adaptersFromIpJson(links: unknown, marks: ReadonlySet<number>): ListedAdapter[] {
  if (!Array.isArray(links)) throw new TypeError("ip -j printed no list of interfaces");
  return (links as IpLink[]).filter(adapterShaped).map((link) => {
    const interfaceIndex = Number(link.ifindex);
    const flags = Array.isArray(link.flags) ? link.flags : [];
    return {
      name: String(link.ifalias),
      guid: undefined,
      luid: emulatorLuid(interfaceIndex),
      interfaceIndex,
      interfaceName: String(link.ifname),
      backend: "wintun",
      // The library turns the carrier on while a session is registered, off otherwise.
      state: flags.includes("LOWER_UP") ? "session" : "idle",
      creatorAlive: marks.has(interfaceIndex),
      mtu: typeof link.mtu === "number" ? link.mtu : undefined,
      addresses: (link.addr_info ?? [])
        .filter((info) => typeof info.local === "string")
        .map((info) => `${String(info.local)}/${String(info.prefixlen)}`),
    };
  });
}

const run = promisify(execFile);

/** The adapters of this network namespace, with leftovers, read from `ip` and /proc/net/unix. */
export async function listLinuxAdapters(): Promise<ListedAdapter[]> {
  const [{ stdout }, procNetUnix] = await Promise.all([
    run("ip", ["-j", "-d", "address", "show"]),
    readFile("/proc/net/unix", "utf8"),
  ]);
  return adaptersFromIpJson(JSON.parse(stdout), creatorMarks(procNetUnix));
}
