import { OptionError } from "@magma/transport";
import {
  formatAddress,
  IpConfigurationError,
  type IpPrefix,
  type OptionPath,
  parseIpPrefix,
} from "./ip-prefix.js";
import { nonUnicastKind } from "./unicast-address.js";

/** The DNS part of `adapter.configure()`: resolvers reached through the adapter, and its search list. */
export interface DnsConfiguration {
  /** Resolver addresses, IPv4 and IPv6, without prefix lengths, e.g. ["198.18.0.53"]. */
  servers: readonly string[];
  /** Domains tried after a short name, e.g. ["corp.example"]. */
  searchDomains?: readonly string[];
}

/** A checked DNS configuration: servers parsed, domains normalised (no trailing dot). */
export interface DnsPlan {
  readonly servers: readonly IpPrefix[];
  readonly searchDomains: readonly string[];
}

const WHERE = "adapter.configure";
const DNS_FIELDS = ["servers", "searchDomains"];
const SERVER_TEXT = 'a resolver address without a prefix length, e.g. "198.18.0.53"';
const DOMAIN_TEXT = 'a domain name, e.g. "corp.example"';
// RFC 1035 §2.3.4: a name is at most 255 octets on the wire, which leaves 253 characters of text
// without the trailing dot; a label is 1 to 63 octets.
const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;
// RFC 1123 §2.1 relaxes RFC 1035 §2.3.1's preferred syntax so a label may start with a digit:
// letters, digits and hyphens, never a hyphen first or last.
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
// Windows' SearchList and resolved's domain list are set whole; more than this many domains is a
// mistake in the caller's data rather than a configuration.
const MAX_SEARCH_DOMAINS = 64;
const MAX_SERVERS = 64;

/** Parses `configuration.dns`, or returns undefined when it is absent; throws before any change. */
export function planDns(value: unknown): DnsPlan | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "dns",
      value,
      "an object: { servers, searchDomains? }",
    );
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!DNS_FIELDS.includes(key)) {
      throw new OptionError(
        "UNKNOWN_OPTION",
        WHERE,
        `dns.${key}`,
        fields[key],
        DNS_FIELDS.join(", "),
      );
    }
  }
  const servers = listOf(fields.servers, "dns.servers", MAX_SERVERS, SERVER_TEXT).map(
    (text, index) => serverOf({ where: WHERE, option: `dns.servers[${index}]` }, text),
  );
  const searchDomains =
    fields.searchDomains === undefined
      ? []
      : listOf(fields.searchDomains, "dns.searchDomains", MAX_SEARCH_DOMAINS, DOMAIN_TEXT).map(
          (text, index) => domainOf({ where: WHERE, option: `dns.searchDomains[${index}]` }, text),
        );
  if (servers.length === 0 && searchDomains.length === 0) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "dns",
      value,
      "at least one server or search domain",
      "leave dns out to keep the adapter's DNS settings as they are",
    );
  }
  return { servers, searchDomains };
}

function listOf(value: unknown, option: string, most: number, item: string): unknown[] {
  if (!Array.isArray(value) || value.length > most) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      option,
      value,
      `an array of ${most} at most, each ${item}`,
    );
  }
  // Array.from, unlike map, visits the holes of a sparse array, so they are refused too.
  return Array.from(value);
}

function serverOf(at: OptionPath, value: unknown): IpPrefix {
  if (typeof value !== "string")
    throw new OptionError("INVALID_OPTION", at.where, at.option, value, SERVER_TEXT);
  if (value.includes("/")) {
    throw new IpConfigurationError(
      "INVALID_PREFIX",
      at,
      value,
      SERVER_TEXT,
      "an address with a prefix length",
    );
  }
  const server = parseIpPrefix(value, at);
  const kind = nonUnicastKind(server);
  if (kind !== undefined) {
    throw new IpConfigurationError("UNUSABLE_ADDRESS", at, value, "a unicast address", kind);
  }
  return server;
}

function domainOf(at: OptionPath, value: unknown): string {
  if (typeof value !== "string")
    throw new OptionError("INVALID_OPTION", at.where, at.option, value, DOMAIN_TEXT);
  // A fully qualified name may be written with its root dot; the lists take it without.
  const name = value.endsWith(".") ? value.slice(0, -1) : value;
  const labels = name.split(".");
  const problem =
    name.length === 0
      ? "empty"
      : name.length > MAX_NAME_LENGTH
        ? `${name.length} characters long, more than ${MAX_NAME_LENGTH}`
        : labels.find((label) => label.length > MAX_LABEL_LENGTH) !== undefined
          ? `a name with a label longer than ${MAX_LABEL_LENGTH} characters`
          : labels.some((label) => !LABEL.test(label))
            ? "not letters, digits and inner hyphens in dot-separated labels"
            : undefined;
  if (problem !== undefined) {
    throw new IpConfigurationError("INVALID_CONFIGURATION", at, value, DOMAIN_TEXT, problem);
  }
  return name;
}

/** The servers of one family as text, in the caller's order, for the system calls. */
export function serversOfFamily(plan: DnsPlan, family: 4 | 6): string[] {
  return plan.servers
    .filter((server) => server.family === family)
    .map((server) => formatAddress(server.bytes));
}
