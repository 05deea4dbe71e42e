import type { DnsBackend } from "./dns-backend.js";
import { type DnsPlan, serversOfFamily } from "./dns-settings.js";
import { IpHelperStatus } from "./ip-helper-status.js";

/** The addon's DNS call (native/src/ipconfig/ip_configuration_windows.cc). */
export interface DnsBinding {
  ipSetDns(luid: bigint, family: 4 | 6, servers: string, searchList: string): number;
}

/**
 * SetInterfaceDnsSettings, once per address family: Windows keeps IPv4 and IPv6 resolvers apart
 * and sets IPv6 ones only with DNS_SETTING_IPV6. Both calls are made, so a family the plan has no
 * server for is cleared (the settings are replaced, not added to); both carry the search list.
 * wireguard-windows makes the same calls, comma-joined.
 */
export class WindowsDns implements DnsBackend {
  constructor(private readonly binding: DnsBinding) {}

  setDns(luid: bigint, dns: DnsPlan): number {
    const searchList = dns.searchDomains.join(",");
    for (const family of [4, 6] as const) {
      const status = this.binding.ipSetDns(
        luid,
        family,
        serversOfFamily(dns, family).join(","),
        searchList,
      );
      if (status !== IpHelperStatus.NO_ERROR) return status;
    }
    return IpHelperStatus.NO_ERROR;
  }

  clearDns(luid: bigint): number {
    let first: number = IpHelperStatus.NO_ERROR;
    for (const family of [4, 6] as const) {
      const status = this.binding.ipSetDns(luid, family, "", "");
      if (first === IpHelperStatus.NO_ERROR) first = status;
    }
    return first;
  }
}
