import type { IpConfigurationBackend } from "./ip-configuration-backend.js";
import { IpHelperError, IpHelperStatus } from "./ip-helper-status.js";
import { IpConfigurationError, type IpPrefix, networkOf, parseIpPrefix } from "./ip-prefix.js";

/** A route through the adapter. A bare string is a destination prefix with an on-link next hop. */
export type RouteSpec = string | { destination: string; nextHop?: string; metric?: number };

/** What `adapter.configure()` takes. */
export interface AdapterConfiguration {
  /** Unicast addresses with their on-link prefix, e.g. ["198.18.0.1/24", "fd6d:6167:6d61::1/64"]. */
  addresses: readonly string[];
  /** Routes beyond the on-link prefixes of `addresses`, e.g. ["198.19.0.0/16"]. */
  routes?: readonly RouteSpec[];
  /** The interface MTU; IPv4 needs at least 576, IPv6 at least 1280, wintun allows up to 65535. */
  mtu?: number;
}

/** What a `configure` call found and did; `removeConfiguration` undoes exactly this. */
export interface AppliedConfiguration {
  readonly addresses: readonly AppliedItem[];
  readonly routes: readonly AppliedRoute[];
  readonly mtu: number | undefined;
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
   */
  notBoundRetries?: number;
  notBoundRetryDelayMs?: number;
}

const MAX_MTU = 0xffff;
const MIN_MTU = { 4: 576, 6: 1280 } as const;

interface ConfigurationPlan {
  addresses: IpPrefix[];
  routes: { prefix: IpPrefix; nextHop: IpPrefix | undefined; metric: number }[];
  mtu: number | undefined;
  families: (4 | 6)[];
}

/** Parses and checks a configuration completely before any system call, so bad input changes nothing. */
export function planConfiguration(configuration: AdapterConfiguration): ConfigurationPlan {
  if (!Array.isArray(configuration.addresses)) {
    throw new IpConfigurationError(
      "INVALID_CONFIGURATION",
      "addresses must be an array of prefixes",
      {
        hint: 'e.g. { addresses: ["198.18.0.1/24"] }',
      },
    );
  }
  const addresses = configuration.addresses.map(parseIpPrefix);
  const routes = (configuration.routes ?? []).map((route) => {
    const spec = typeof route === "string" ? { destination: route } : route;
    const nextHop = spec.nextHop === undefined ? undefined : parseIpPrefix(spec.nextHop);
    const prefix = networkOf(parseIpPrefix(spec.destination));
    const metric = spec.metric ?? 0;
    if (!Number.isInteger(metric) || metric < 0 || metric > 0xffffffff) {
      throw new IpConfigurationError(
        "INVALID_CONFIGURATION",
        `route ${spec.destination}: bad metric`,
        {
          hint: "a metric is a whole number from 0 to 4294967295",
        },
      );
    }
    if (nextHop !== undefined && nextHop.family !== prefix.family) {
      throw new IpConfigurationError(
        "INVALID_CONFIGURATION",
        `route ${spec.destination}: next hop ${spec.nextHop} is of another address family`,
      );
    }
    return { prefix, nextHop, metric };
  });
  const families = [
    ...new Set<4 | 6>([...addresses, ...routes.map((r) => r.prefix)].map((p) => p.family)),
  ].sort();
  const mtu = configuration.mtu;
  if (mtu !== undefined) {
    const minimum = families.includes(6) ? MIN_MTU[6] : MIN_MTU[4];
    if (!Number.isInteger(mtu) || mtu < minimum || mtu > MAX_MTU) {
      throw new IpConfigurationError("INVALID_CONFIGURATION", `MTU ${mtu} is out of range`, {
        hint: `use ${minimum} to ${MAX_MTU}${families.includes(6) ? " (IPv6 needs at least 1280)" : ""}`,
      });
    }
  }
  return { addresses, routes, mtu, families: families.length === 0 ? [4] : families };
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
  const plan = planConfiguration(configuration);
  const applied = { addresses: [] as AppliedItem[], routes: [] as AppliedRoute[] };
  try {
    if (plan.mtu !== undefined) {
      for (const family of plan.families)
        await setMtuWhenBound(backend, luid, family, plan.mtu, options);
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
  } catch (error) {
    removeCreated(backend, luid, { ...applied, mtu: undefined });
    throw error;
  }
  return { ...applied, mtu: plan.mtu };
}

/**
 * Removes what `configureAdapter` created: routes first, then addresses. Something already gone
 * (ERROR_NOT_FOUND) is fine. Every item is attempted; the first failure is thrown afterwards.
 * The MTU is left as it is.
 */
export function removeConfiguration(
  backend: IpConfigurationBackend,
  luid: bigint,
  applied: AppliedConfiguration,
): void {
  const failure = removeCreated(backend, luid, applied);
  if (failure !== undefined) throw failure;
}

function removeCreated(
  backend: IpConfigurationBackend,
  luid: bigint,
  applied: AppliedConfiguration,
): IpHelperError | undefined {
  let first: IpHelperError | undefined;
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
  options: ConfigureOptions,
): Promise<void> {
  const retries = options.notBoundRetries ?? 20;
  const delayMs = options.notBoundRetryDelayMs ?? 50;
  for (let attempt = 0; ; attempt++) {
    const status = backend.setMtu(luid, family, mtu);
    if (status === IpHelperStatus.NO_ERROR) return;
    if (status !== IpHelperStatus.ERROR_NOT_FOUND || attempt >= retries) {
      throw new IpHelperError("SetIpInterfaceEntry", status, `IPv${family} MTU ${mtu}`);
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
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
