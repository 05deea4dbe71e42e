import type { DnsBackend } from "./dns-backend.js";
import type { DnsPlan } from "./dns-settings.js";
import type { IpConfigurationBackend } from "./ip-configuration-backend.js";
import type { IpPrefix } from "./ip-prefix.js";
import { ResolvedDns } from "./resolved-dns.js";
import { type DnsBinding, WindowsDns } from "./windows-dns.js";

/** The addon's IP configuration functions (native/src/ipconfig/ip_configuration_binding.cc). */
export interface IpConfigurationBinding extends DnsBinding {
  ipAddUnicastAddress(
    luid: bigint,
    family: 4 | 6,
    address: Uint8Array,
    prefixLength: number,
  ): number;
  ipDeleteUnicastAddress(
    luid: bigint,
    family: 4 | 6,
    address: Uint8Array,
    prefixLength: number,
  ): number;
  ipAddRoute(
    luid: bigint,
    family: 4 | 6,
    destination: Uint8Array,
    prefixLength: number,
    nextHop: Uint8Array | null,
    metric: number,
  ): number;
  ipDeleteRoute(
    luid: bigint,
    family: 4 | 6,
    destination: Uint8Array,
    prefixLength: number,
    nextHop: Uint8Array | null,
  ): number;
  ipSetMtu(luid: bigint, family: 4 | 6, mtu: number): number;
}

/**
 * IP Helper on Windows, rtnetlink on Linux, through the addon; DNS through IP Helper on Windows
 * and systemd-resolved on Linux.
 */
export class NativeIpConfiguration implements IpConfigurationBackend {
  readonly #dns: DnsBackend;

  constructor(
    private readonly binding: IpConfigurationBinding,
    dns?: DnsBackend,
  ) {
    this.#dns = dns ?? (process.platform === "win32" ? new WindowsDns(binding) : new ResolvedDns());
  }

  addUnicastAddress(luid: bigint, address: IpPrefix): number {
    return this.binding.ipAddUnicastAddress(
      luid,
      address.family,
      address.bytes,
      address.prefixLength,
    );
  }

  deleteUnicastAddress(luid: bigint, address: IpPrefix): number {
    return this.binding.ipDeleteUnicastAddress(
      luid,
      address.family,
      address.bytes,
      address.prefixLength,
    );
  }

  addRoute(
    luid: bigint,
    destination: IpPrefix,
    nextHop: IpPrefix | undefined,
    metric: number,
  ): number {
    return this.binding.ipAddRoute(
      luid,
      destination.family,
      destination.bytes,
      destination.prefixLength,
      nextHop?.bytes ?? null,
      metric,
    );
  }

  deleteRoute(luid: bigint, destination: IpPrefix, nextHop: IpPrefix | undefined): number {
    return this.binding.ipDeleteRoute(
      luid,
      destination.family,
      destination.bytes,
      destination.prefixLength,
      nextHop?.bytes ?? null,
    );
  }

  setMtu(luid: bigint, family: 4 | 6, mtu: number): number {
    return this.binding.ipSetMtu(luid, family, mtu);
  }

  setDns(luid: bigint, dns: DnsPlan): number {
    return this.#dns.setDns(luid, dns);
  }

  clearDns(luid: bigint): number {
    return this.#dns.clearDns(luid);
  }
}
