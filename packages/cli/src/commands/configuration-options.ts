import type { AdapterConfiguration, RouteSpec } from "@magma/wintun-native";
import { CommandError } from "../command-error.js";

/** The command-line options that configure an adapter (configure, create). */
export interface ConfigurationOptions {
  readonly address?: readonly string[];
  readonly route?: readonly string[];
  readonly mtu?: string;
  readonly dns?: readonly string[];
  readonly search?: readonly string[];
}

/** Commander's collector for repeatable options: `--address A --address B`. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** "198.19.0.0/16" or "198.19.0.0/16,198.18.0.2" (destination, next hop). */
export function parseRoute(text: string): RouteSpec {
  const [destination = "", nextHop, ...rest] = text.split(",");
  if (rest.length > 0 || destination === "" || nextHop === "") {
    throw new CommandError("INVALID_ARGUMENT", `--route ${text}: expected DESTINATION[,NEXTHOP]`, {
      hint: "e.g. --route 198.19.0.0/16 or --route 198.19.0.0/16,198.18.0.2",
    });
  }
  return nextHop === undefined ? destination : { destination, nextHop };
}

/**
 * The configuration the options ask for, or undefined when they ask for none. Everything is
 * checked by the library's configure().
 */
export function configurationFrom(options: ConfigurationOptions): AdapterConfiguration | undefined {
  const addresses = options.address ?? [];
  const routes = (options.route ?? []).map(parseRoute);
  const servers = options.dns ?? [];
  const searchDomains = options.search ?? [];
  const dns =
    servers.length === 0 && searchDomains.length === 0
      ? undefined
      : { servers, ...(searchDomains.length === 0 ? {} : { searchDomains }) };
  if (
    addresses.length === 0 &&
    routes.length === 0 &&
    options.mtu === undefined &&
    dns === undefined
  ) {
    return undefined;
  }
  let mtu: number | undefined;
  if (options.mtu !== undefined) {
    mtu = Number(options.mtu);
    if (!/^\d+$/.test(options.mtu)) {
      throw new CommandError("INVALID_ARGUMENT", `--mtu ${options.mtu}: expected a whole number`, {
        hint: "e.g. --mtu 1420",
      });
    }
  }
  return {
    addresses,
    ...(routes.length === 0 ? {} : { routes }),
    ...(mtu === undefined ? {} : { mtu }),
    ...(dns === undefined ? {} : { dns }),
  };
}

/** What was applied, as the commands print it. */
export function describeConfiguration(configuration: AdapterConfiguration): string[] {
  const lines = configuration.addresses.map((address) => `address ${address}`);
  for (const route of configuration.routes ?? []) {
    lines.push(
      typeof route === "string"
        ? `route ${route}`
        : `route ${route.destination}${route.nextHop === undefined ? "" : ` via ${route.nextHop}`}`,
    );
  }
  if (configuration.mtu !== undefined) lines.push(`mtu ${configuration.mtu}`);
  for (const server of configuration.dns?.servers ?? []) lines.push(`dns server ${server}`);
  for (const domain of configuration.dns?.searchDomains ?? []) lines.push(`dns search ${domain}`);
  return lines;
}
