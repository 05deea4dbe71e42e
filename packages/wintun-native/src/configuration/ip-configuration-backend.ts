import type { DnsPlan } from "./dns-settings.js";
import type { IpPrefix } from "./ip-prefix.js";

/**
 * The system calls that configure an adapter, keyed by its NET_LUID. Each returns a status from
 * `IpHelperStatus` and never throws for a refusal, so the decisions in `configure-adapter.ts` are
 * the same on every platform and testable with a fake. The addon implements it with IP Helper on
 * Windows and rtnetlink on Linux.
 */
export interface IpConfigurationBackend {
  addUnicastAddress(luid: bigint, address: IpPrefix): number;
  deleteUnicastAddress(luid: bigint, address: IpPrefix): number;
  /** `nextHop` undefined means on-link (0.0.0.0 or ::), right for a point-to-point tunnel. */
  addRoute(
    luid: bigint,
    destination: IpPrefix,
    nextHop: IpPrefix | undefined,
    metric: number,
  ): number;
  deleteRoute(luid: bigint, destination: IpPrefix, nextHop: IpPrefix | undefined): number;
  /** The MTU of one address family's interface (Windows keeps one per family; Linux one per link). */
  setMtu(luid: bigint, family: 4 | 6, mtu: number): number;
  /** Replaces the adapter's DNS resolvers and search list with these (see DnsBackend). */
  setDns(luid: bigint, dns: DnsPlan): number;
  /** Clears the adapter's DNS resolvers and search list. */
  clearDns(luid: bigint): number;
}
