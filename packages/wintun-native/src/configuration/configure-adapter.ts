import { checkOptionNames, integerOption, OptionError } from "@magma/transport";
import { type DnsConfiguration, type DnsPlan, planDns } from "./dns-settings.js";
import type { IpConfigurationBackend } from "./ip-configuration-backend.js";
import { IpHelperError, IpHelperStatus } from "./ip-helper-status.js";
import {
  formatAddress,
  formatPrefix,
  IpConfigurationError,
  type IpPrefix,
  networkOf,
  type OptionPath,
  parseIpPrefix,
  sameNetwork,
} from "./ip-prefix.js";
import { isIpv4Mapped, nonUnicastKind, notAHostOf } from "./unicast-address.js";

/** A route through the adapter. A bare string is a destination prefix with an on-link next hop. */
export type RouteSpec = string | { destination: string; nextHop?: string; metric?: number };

/**
 * What `adapter.configure()` takes. Every field is checked before anything is applied: a wrong
 * type or an unknown field throws `OptionError`; an address that is not one (or that no adapter
 * can hold, or fields that do not fit together) throws `IpConfigurationError`.
 */
export interface AdapterConfiguration {
  /**
   * Unicast addresses with their on-link prefix, e.g. ["198.18.0.1/24", "fd6d:6167:6d61::1/64"];
   * a host of that prefix, not its network or broadcast address.
   */
  addresses: readonly string[];
  /**
   * Routes beyond the on-link prefixes of `addresses`, e.g. ["198.19.0.0/16"]: destinations with
   * no bits set past the prefix length; a next hop is a unicast address of the same family.
   */
  routes?: readonly RouteSpec[];
  /** The interface MTU; IPv4 needs at least 576, IPv6 at least 1280, wintun allows up to 65535. */
  mtu?: number;
  /**
   * Resolvers and search domains for the adapter, replacing any it had: SetInterfaceDnsSettings
   * on Windows (10 version 2004 and later), systemd-resolved on Linux; elsewhere configure()
   * throws IpHelperError ERROR_NOT_SUPPORTED (Linux without resolved) or ERROR_PROC_NOT_FOUND.
   */
  dns?: DnsConfiguration;
}

/** What a `configure` call found and did; `removeConfiguration` undoes exactly this. */
export interface AppliedConfiguration {
  readonly addresses: readonly AppliedItem[];
  readonly routes: readonly AppliedRoute[];
  readonly mtu: number | undefined;
  /** The DNS settings applied, which removeConfiguration clears. */
  readonly dns: DnsPlan | undefined;
}

interface AppliedItem {
  readonly prefix: IpPrefix;
  /** False when the address or route was already there: it was not ours to remove. */
  readonly created: boolean;
}

interface AppliedRoute extends AppliedItem {
  readonly nextHop: IpPrefix | undefined;
  readonly metric: number;
}

export interface ConfigureOptions {
  /**
   * Right after an adapter appears, Windows may not yet have bound an address family to it and
   * answers ERROR_NOT_FOUND; OpenVPN polls 20 times 50 ms apart, and so do we by default.
   * 0 to 1000.
   */
  notBoundRetries?: number;
  /** 0 to 10000. */
  notBoundRetryDelayMs?: number;
}

const WHERE = "adapter.configure";
const CONFIGURATION_FIELDS = ["addresses", "routes", "mtu", "dns"];
const ROUTE_FIELDS = ["destination", "nextHop", "metric"];
const OPTION_NAMES = ["notBoundRetries", "notBoundRetryDelayMs"];
const MAX_MTU = 0xffff;
// RFC 8200 §5: every link carrying IPv6 has an MTU of at least 1280; RFC 791 §3.1: every IPv4
// host accepts datagrams of 576 octets.
const MIN_MTU = { 4: 576, 6: 1280 } as const;
const MAX_METRIC = 0xffffffff;

const ADDRESS_TEXT = 'an address with its prefix length, e.g. "198.18.0.1/24"';
const DESTINATION_TEXT = 'a destination prefix, e.g. "198.19.0.0/16"';
const NEXT_HOP_TEXT = 'a gateway address without a prefix length, e.g. "198.18.0.2"';

interface PlannedRoute {
  prefix: IpPrefix;
  nextHop: IpPrefix | undefined;
  metric: number;
}

interface ConfigurationPlan {
  addresses: IpPrefix[];
  routes: PlannedRoute[];
  mtu: number | undefined;
  dns: DnsPlan | undefined;
  families: (4 | 6)[];
  notBoundRetries: number;
  notBoundRetryDelayMs: number;
}

/**
 * Parses and checks a configuration and the call's options completely before any system call,
 * so bad input changes nothing. Typed as `unknown` because JavaScript callers can pass anything.
 */
export function planConfiguration(
  configuration: unknown,
  options: unknown = {},
): ConfigurationPlan {
  if (configuration === undefined) {
    throw new OptionError("INVALID_OPTION", WHERE, "configuration", configuration, "an object");
  }
  checkOptionNames(WHERE, configuration, CONFIGURATION_FIELDS, "configuration");
  const fields = configuration as Record<string, unknown>;
  const addresses = planAddresses(fields.addresses);
  const routes = planRoutes(fields.routes, addresses);
  const families = [
    ...new Set<4 | 6>([...addresses, ...routes.map((r) => r.prefix)].map((p) => p.family)),
  ].sort();
  const mtu = planMtu(fields.mtu, families);
  const dns = planDns(fields.dns);
  checkOptionNames(WHERE, options, OPTION_NAMES);
  const given = (options ?? {}) as ConfigureOptions;
  return {
    addresses,
    routes,
    mtu,
    dns,
    families: families.length === 0 ? [4] : families,
    notBoundRetries: integerOption(WHERE, "notBoundRetries", given.notBoundRetries, 20, 0, 1000),
    notBoundRetryDelayMs: integerOption(
      WHERE,
      "notBoundRetryDelayMs",
      given.notBoundRetryDelayMs,
      50,
      0,
      10_000,
    ),
  };
}

function planAddresses(value: unknown): IpPrefix[] {
  if (!Array.isArray(value)) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "addresses",
      value,
      'an array of addresses with their prefix lengths, e.g. ["198.18.0.1/24"]',
    );
  }
  // Array.from, unlike map, visits the holes of a sparse array, so they are refused too.
  return Array.from(value, (text: unknown, index) => {
    const at = { where: WHERE, option: `addresses[${index}]` };
    const address = parseIpPrefix(stringAt(at, text, ADDRESS_TEXT), at);
    refuseNonUnicast(at, address, "address");
    const notAHost = notAHostOf(address, address.prefixLength);
    if (notAHost !== undefined) {
      throw new IpConfigurationError(
        "UNUSABLE_ADDRESS",
        at,
        text,
        notAHost.hosts,
        notAHost.problem,
      );
    }
    return address;
  });
}

function planRoutes(value: unknown, addresses: readonly IpPrefix[]): PlannedRoute[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "routes",
      value,
      'an array of routes, each a prefix such as "198.19.0.0/16" or { destination, nextHop?, metric? }',
    );
  }
  return Array.from(value, (route: unknown, index) => planRoute(route, index, addresses));
}

function planRoute(route: unknown, index: number, addresses: readonly IpPrefix[]): PlannedRoute {
  const option = `routes[${index}]`;
  if (typeof route === "string") {
    return {
      prefix: destinationOf({ where: WHERE, option }, route),
      nextHop: undefined,
      metric: 0,
    };
  }
  if (route === null || typeof route !== "object" || Array.isArray(route)) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      option,
      route,
      'a destination prefix such as "198.19.0.0/16", or { destination, nextHop?, metric? }',
    );
  }
  const fields = route as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!ROUTE_FIELDS.includes(key)) {
      throw new OptionError(
        "UNKNOWN_OPTION",
        WHERE,
        `${option}.${key}`,
        fields[key],
        ROUTE_FIELDS.join(", "),
      );
    }
  }
  const destinationAt = { where: WHERE, option: `${option}.destination` };
  const prefix = destinationOf(
    destinationAt,
    stringAt(destinationAt, fields.destination, DESTINATION_TEXT),
  );
  const nextHop =
    fields.nextHop === undefined
      ? undefined
      : nextHopOf({ where: WHERE, option: `${option}.nextHop` }, fields.nextHop, prefix, addresses);
  const metric = integerOption(WHERE, `${option}.metric`, fields.metric, 0, 0, MAX_METRIC);
  return { prefix, nextHop, metric };
}

/** A route's destination: a prefix with no host bits set, as IP Helper and rtnetlink take it. */
function destinationOf(at: OptionPath, text: string): IpPrefix {
  const prefix = parseIpPrefix(text, at);
  const network = networkOf(prefix);
  if (!network.bytes.every((byte, i) => byte === prefix.bytes[i])) {
    throw new IpConfigurationError(
      "INVALID_PREFIX",
      at,
      text,
      "a prefix with no bits set past its length",
      "a prefix with bits set past its length",
      `did you mean "${formatPrefix(network)}"?`,
    );
  }
  return prefix;
}

/** A gateway: a unicast address of the route's family, a host of any prefix it shares with us. */
function nextHopOf(
  at: OptionPath,
  value: unknown,
  destination: IpPrefix,
  addresses: readonly IpPrefix[],
): IpPrefix {
  const text = stringAt(at, value, NEXT_HOP_TEXT);
  if (text.includes("/")) {
    throw new IpConfigurationError(
      "INVALID_PREFIX",
      at,
      text,
      NEXT_HOP_TEXT,
      "an address with a prefix length",
    );
  }
  const nextHop = parseIpPrefix(text, at);
  if (nextHop.family !== destination.family) {
    throw new IpConfigurationError(
      "INVALID_CONFIGURATION",
      at,
      text,
      `an IPv${destination.family} address, like the destination ${destination.text}`,
      `an IPv${nextHop.family} address`,
    );
  }
  refuseNonUnicast(at, nextHop, "gateway");
  for (const [index, address] of addresses.entries()) {
    if (!sameNetwork(nextHop, address, address.prefixLength)) continue;
    const notAHost = notAHostOf(nextHop, address.prefixLength);
    if (notAHost !== undefined) {
      throw new IpConfigurationError(
        "UNUSABLE_ADDRESS",
        at,
        text,
        notAHost.hosts,
        `${notAHost.problem}, the prefix of addresses[${index}]`,
      );
    }
  }
  return nextHop;
}

function refuseNonUnicast(at: OptionPath, address: IpPrefix, role: "address" | "gateway"): void {
  const kind = nonUnicastKind(address);
  if (kind === undefined) return;
  let hint: string | undefined;
  if (role === "gateway" && address.bytes.every((byte) => byte === 0)) {
    hint = "leave nextHop out for an on-link route";
  } else if (role === "address" && isIpv4Mapped(address)) {
    const ipv4 = formatAddress(address.bytes.subarray(12));
    hint = `give the IPv4 address itself, "${ipv4}/${Math.max(address.prefixLength - 96, 0)}"`;
  }
  throw new IpConfigurationError(
    "UNUSABLE_ADDRESS",
    at,
    address.text,
    "a unicast address",
    kind,
    hint,
  );
}

function planMtu(value: unknown, families: readonly (4 | 6)[]): number | undefined {
  if (value === undefined) return undefined;
  const ipv6 = families.includes(6);
  const minimum = ipv6 ? MIN_MTU[6] : MIN_MTU[4];
  if (
    typeof value === "number" &&
    Number.isInteger(value) &&
    value >= minimum &&
    value <= MAX_MTU
  ) {
    return value;
  }
  throw new OptionError(
    "INVALID_OPTION",
    WHERE,
    "mtu",
    value,
    `an integer from ${minimum} to ${MAX_MTU}`,
    ipv6
      ? "the configuration has IPv6 addresses or routes, and IPv6 needs at least 1280"
      : undefined,
  );
}

function stringAt(at: OptionPath, value: unknown, allowed: string): string {
  if (typeof value === "string") return value;
  throw new OptionError("INVALID_OPTION", at.where, at.option, value, allowed);
}

/**
 * Applies a configuration to the adapter with this LUID: the MTU first (per address family), then
 * addresses, then routes. An address or route that already exists counts as done and is left in
 * place afterwards (ERROR_OBJECT_ALREADY_EXISTS, as wintun's own example treats it). If a call
 * fails, everything this call created is removed again before the error is thrown.
 */
export async function configureAdapter(
  backend: IpConfigurationBackend,
  luid: bigint,
  configuration: AdapterConfiguration,
  options: ConfigureOptions = {},
): Promise<AppliedConfiguration> {
  const plan = planConfiguration(configuration, options);
  const applied = {
    addresses: [] as AppliedItem[],
    routes: [] as AppliedRoute[],
    dns: undefined as DnsPlan | undefined,
  };
  try {
    if (plan.mtu !== undefined) {
      for (const family of plan.families) {
        await setMtuWhenBound(backend, luid, family, plan.mtu, plan);
      }
    }
    for (const prefix of plan.addresses) {
      const status = backend.addUnicastAddress(luid, prefix);
      throwUnlessCreated("CreateUnicastIpAddressEntry", status, prefix.text);
      applied.addresses.push({ prefix, created: status === IpHelperStatus.NO_ERROR });
    }
    for (const route of plan.routes) {
      const status = backend.addRoute(luid, route.prefix, route.nextHop, route.metric);
      throwUnlessCreated("CreateIpForwardEntry2", status, `route ${route.prefix.text}`);
      applied.routes.push({ ...route, created: status === IpHelperStatus.NO_ERROR });
    }
    // Last: the resolvers are reached through the addresses and routes just made.
    if (plan.dns !== undefined) {
      const status = backend.setDns(luid, plan.dns);
      if (status !== IpHelperStatus.NO_ERROR) {
        throw new IpHelperError("SetInterfaceDnsSettings", status, describeDns(plan.dns));
      }
      applied.dns = plan.dns;
    }
  } catch (error) {
    removeCreated(backend, luid, { ...applied, mtu: undefined });
    throw error;
  }
  const result = { ...applied, mtu: plan.mtu };
  issued.add(result);
  return result;
}

// The results configureAdapter returned: removeConfiguration takes nothing else, since it deletes
// exactly what one of them lists.
const issued = new WeakSet<AppliedConfiguration>();

/**
 * Removes what `configureAdapter` created: its DNS settings first, then routes, then addresses. Something already gone
 * (ERROR_NOT_FOUND) is fine. Every item is attempted; the first failure is thrown afterwards.
 * The MTU is left as it is.
 */
export function removeConfiguration(
  backend: IpConfigurationBackend,
  luid: bigint,
  applied: AppliedConfiguration,
): void {
  if (typeof applied !== "object" || applied === null || !issued.has(applied)) {
    throw new OptionError(
      "INVALID_OPTION",
      "adapter.removeConfiguration",
      "applied",
      applied,
      "the object adapter.configure() returned",
    );
  }
  const failure = removeCreated(backend, luid, applied);
  if (failure !== undefined) throw failure;
}

function removeCreated(
  backend: IpConfigurationBackend,
  luid: bigint,
  applied: AppliedConfiguration,
): IpHelperError | undefined {
  let first: IpHelperError | undefined;
  if (applied.dns !== undefined) {
    const status = backend.clearDns(luid);
    if (!isGone(status)) {
      first = new IpHelperError(
        "SetInterfaceDnsSettings",
        status,
        `clearing ${describeDns(applied.dns)}`,
      );
    }
  }
  for (const route of [...applied.routes].reverse()) {
    if (!route.created) continue;
    const status = backend.deleteRoute(luid, route.prefix, route.nextHop);
    if (!isGone(status))
      first ??= new IpHelperError("DeleteIpForwardEntry2", status, `route ${route.prefix.text}`);
  }
  for (const address of [...applied.addresses].reverse()) {
    if (!address.created) continue;
    const status = backend.deleteUnicastAddress(luid, address.prefix);
    if (!isGone(status))
      first ??= new IpHelperError("DeleteUnicastIpAddressEntry", status, address.prefix.text);
  }
  return first;
}

async function setMtuWhenBound(
  backend: IpConfigurationBackend,
  luid: bigint,
  family: 4 | 6,
  mtu: number,
  plan: ConfigurationPlan,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const status = backend.setMtu(luid, family, mtu);
    if (status === IpHelperStatus.NO_ERROR) return;
    if (status !== IpHelperStatus.ERROR_NOT_FOUND || attempt >= plan.notBoundRetries) {
      throw new IpHelperError("SetIpInterfaceEntry", status, `IPv${family} MTU ${mtu}`);
    }
    await new Promise((resolve) => setTimeout(resolve, plan.notBoundRetryDelayMs));
  }
}

function throwUnlessCreated(
  call: "CreateUnicastIpAddressEntry" | "CreateIpForwardEntry2",
  status: number,
  what: string,
): void {
  if (status !== IpHelperStatus.NO_ERROR && status !== IpHelperStatus.ERROR_OBJECT_ALREADY_EXISTS) {
    throw new IpHelperError(call, status, what);
  }
}

function isGone(status: number): boolean {
  return status === IpHelperStatus.NO_ERROR || status === IpHelperStatus.ERROR_NOT_FOUND;
}

function describeDns(dns: DnsPlan): string {
  const servers = dns.servers.map((server) => server.text);
  const parts = [
    servers.length > 0 ? `DNS servers ${servers.join(", ")}` : undefined,
    dns.searchDomains.length > 0 ? `search domains ${dns.searchDomains.join(", ")}` : undefined,
  ];
  return parts.filter((part) => part !== undefined).join(" and ");
}
