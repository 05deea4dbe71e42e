import { checkOptionNames, OptionError } from "@magma/transport";
import {
  type AdapterConfiguration,
  type InternalIpPrefix,
  internalFormatAddress,
  internalNetworkOf,
  internalParseIpPrefix,
  internalPlanConfiguration,
  type RouteSpec,
} from "@magma/wintun-native";

/**
 * The addresses a TAP port gives its adapter. The driver's TUN mode shapes how each family is
 * set up (reference B.4):
 * - the one IPv4 address is also CONFIG_TUN's `local`, and its prefix CONFIG_TUN's network: the
 *   driver answers the stack's ARP requests for every other address of that network, so IPv4 to
 *   any of them reaches the port;
 * - an IPv6 address is added as a /128 and its prefix routed via fe80::8, the one neighbour the
 *   driver answers solicitations for, as OpenVPN does; an IPv6 route without a next hop goes via
 *   fe80::8 too.
 */
export interface TapNetwork {
  /** At most one IPv4 and any IPv6 addresses with their prefix, e.g. ["198.18.0.1/24"]. */
  readonly addresses: readonly string[];
  /** Further routes through the adapter, as `adapter.configure()` takes them. */
  readonly routes?: readonly RouteSpec[];
  /** Resolvers, as `adapter.configure()` takes them. */
  readonly dns?: AdapterConfiguration["dns"];
}

/** CONFIG_TUN's three addresses (B.3: raw octets, network order). */
export interface TunConfiguration {
  readonly local: Uint8Array;
  readonly network: Uint8Array;
  readonly netmask: Uint8Array;
}

/** What a TAP port does with its `network` and `mtu` options. */
export interface TapNetworkPlan {
  readonly tun: TunConfiguration;
  /** What `configure()` applies to the interface, if anything. */
  readonly configuration: AdapterConfiguration | undefined;
}

/** The driver's TUN-mode IPv6 neighbour (reference B.4, OpenVPN's `ipv6 route ... fe80::8`). */
export const TAP_IPV6_NEXT_HOP = "fe80::8";

const NETWORK_FIELDS = ["addresses", "routes", "dns"];

/**
 * Checks `network` and `mtu` completely (as `adapter.configure()` would, before anything is
 * opened) and plans them. Without an IPv4 address CONFIG_TUN still goes out, with 0.0.0.0/0.0.0.0,
 * as OpenVPN sends it "to ensure it is somehow initialized" (B.4): the adapter then carries IPv6.
 */
export function planTapNetwork(
  where: string,
  network: TapNetwork | undefined,
  mtu: number | undefined,
): TapNetworkPlan {
  const zero = new Uint8Array(4);
  if (network === undefined) {
    const configuration = mtu === undefined ? undefined : { addresses: [], mtu };
    if (configuration !== undefined) internalPlanConfiguration(configuration);
    return { tun: { local: zero, network: zero, netmask: zero }, configuration };
  }
  if (typeof network !== "object" || network === null || !Array.isArray(network.addresses)) {
    throw new OptionError(
      "INVALID_OPTION",
      where,
      "network",
      network,
      'an object with addresses, e.g. { addresses: ["198.18.0.1/24"] }',
    );
  }
  checkOptionNames(where, network, NETWORK_FIELDS, "network");
  const prefixes = network.addresses.map((text, index) =>
    typeof text === "string"
      ? internalParseIpPrefix(text, { where, option: `network.addresses[${index}]` })
      : undefined,
  );
  const ipv4 = prefixes.filter((prefix): prefix is InternalIpPrefix => prefix?.family === 4);
  if (ipv4.length > 1) {
    throw new OptionError(
      "INVALID_OPTION",
      where,
      "network.addresses",
      network.addresses,
      "at most one IPv4 address",
      "CONFIG_TUN takes one local address: the driver answers ARP for the others of its network",
    );
  }
  const addresses: string[] = [];
  const routes: RouteSpec[] = [];
  network.addresses.forEach((text, index) => {
    const prefix = prefixes[index];
    if (prefix?.family === 6) {
      addresses.push(`${internalFormatAddress(prefix.bytes)}/128`);
      if (prefix.prefixLength < 128) {
        const subnet = internalNetworkOf(prefix);
        routes.push({
          destination: `${internalFormatAddress(subnet.bytes)}/${prefix.prefixLength}`,
          nextHop: TAP_IPV6_NEXT_HOP,
        });
      }
    } else {
      addresses.push(text); // an IPv4 address, or whatever configure() then refuses by name
    }
  });
  for (const route of network.routes ?? []) {
    const destination = typeof route === "string" ? route : route?.destination;
    const isIpv6 = typeof destination === "string" && destination.includes(":");
    if (isIpv6 && (typeof route === "string" || route.nextHop === undefined)) {
      routes.push({
        ...(typeof route === "string" ? { destination: route } : route),
        nextHop: TAP_IPV6_NEXT_HOP,
      });
    } else {
      routes.push(route);
    }
  }
  const configuration: AdapterConfiguration = {
    addresses,
    ...(routes.length === 0 ? {} : { routes }),
    ...(mtu === undefined ? {} : { mtu }),
    ...(network.dns === undefined ? {} : { dns: network.dns }),
  };
  // Every address, route and the MTU checked as configure() will check them, before any call.
  internalPlanConfiguration(configuration);
  const local = ipv4[0];
  if (local === undefined)
    return { tun: { local: zero, network: zero, netmask: zero }, configuration };
  const netmask = new Uint8Array(4);
  for (let bit = 0; bit < local.prefixLength; bit++) {
    netmask[bit >> 3] = (netmask[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  }
  // network & mask == network, by construction (B.3: the driver refuses CONFIG_TUN otherwise).
  return {
    tun: { local: local.bytes, network: internalNetworkOf(local).bytes, netmask },
    configuration,
  };
}
