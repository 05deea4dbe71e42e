import type { DnsPlan } from "./dns-settings.js";

/**
 * Where an adapter's DNS settings live: IP Helper's SetInterfaceDnsSettings on Windows
 * (windows-dns.ts), systemd-resolved's per-link settings on Linux (resolved-dns.ts). Each call
 * returns a status from `IpHelperStatus` and never throws for a refusal, like the rest of the
 * configuration backend; ERROR_NOT_SUPPORTED means the machine has no such service.
 */
export interface DnsBackend {
  /** Replaces the adapter's resolvers (both families) and search list with these. */
  setDns(luid: bigint, dns: DnsPlan): number;
  /** Clears them, as if the adapter had never been given any. */
  clearDns(luid: bigint): number;
}
