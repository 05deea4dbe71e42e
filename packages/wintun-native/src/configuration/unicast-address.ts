import { formatAddress, formatPrefix, type IpPrefix, networkOf } from "./ip-prefix.js";

/**
 * The addresses no interface can hold as its own and no route can use as a gateway, each rule
 * beside the RFC section it comes from. Anything else (private, link-local, documentation,
 * 240.0.0.0/4 ...) is left to the system: some hold it, some refuse it with a status of their own.
 */

/** What kind of address this is when it is not a unicast address, or `undefined` when it is. */
export function nonUnicastKind(address: IpPrefix): string | undefined {
  return address.family === 4 ? ipv4Kind(address.bytes) : ipv6Kind(address.bytes);
}

function ipv4Kind(bytes: Uint8Array): string | undefined {
  const first = bytes[0] ?? 0;
  if (first === 0) {
    // RFC 1122 §3.2.1.3 (a): {0, 0} is "this host on this network", sent only as a source
    // while a host learns its address; (b): {0, host} likewise, so all of 0.0.0.0/8.
    return bytes.every((byte) => byte === 0)
      ? "the unspecified address (RFC 1122 §3.2.1.3 (a))"
      : 'in 0.0.0.0/8, "this network", which is never a destination (RFC 1122 §3.2.1.3 (b))';
  }
  // RFC 1122 §3.2.1.3 (g): {127, any} is the host's internal loopback and MUST NOT appear
  // outside the host.
  if (first === 127) return "a loopback address (RFC 1122 §3.2.1.3 (g))";
  // RFC 1112 §4: class D, 224.0.0.0/4, names a host group, never one interface.
  if ((first & 0xf0) === 0xe0) return "a multicast address (RFC 1112 §4)";
  // RFC 1122 §3.2.1.3 (c): {-1, -1} is the limited broadcast on the connected network.
  if (bytes.every((byte) => byte === 0xff)) {
    return "the limited broadcast address (RFC 1122 §3.2.1.3 (c))";
  }
  return undefined;
}

function ipv6Kind(bytes: Uint8Array): string | undefined {
  // RFC 4291 §2.7: ff00::/8 is multicast.
  if (bytes[0] === 0xff) return "a multicast address (RFC 4291 §2.7)";
  if (bytes.subarray(0, 15).every((byte) => byte === 0)) {
    // RFC 4291 §2.5.2: :: "must never be assigned to any node" and is never a destination.
    if (bytes[15] === 0) return "the unspecified address (RFC 4291 §2.5.2)";
    // RFC 4291 §2.5.3: ::1 "may not be assigned to any physical interface".
    if (bytes[15] === 1) return "the loopback address (RFC 4291 §2.5.3)";
  }
  // RFC 4291 §2.5.5.2: ::ffff:0:0/96 stands for an IPv4 node's address inside IPv6 software;
  // the adapter would need the IPv4 address itself.
  if (isIpv4Mapped({ family: 6, bytes })) return "an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2)";
  return undefined;
}

/** An address in ::ffff:0:0/96, e.g. ::ffff:198.18.0.1. */
export function isIpv4Mapped(address: Pick<IpPrefix, "family" | "bytes">): boolean {
  const { bytes } = address;
  return (
    address.family === 6 &&
    bytes.subarray(0, 10).every((byte) => byte === 0) &&
    bytes[10] === 0xff &&
    bytes[11] === 0xff
  );
}

/** Why an address is not a host of its own prefix, and the hosts that prefix does have. */
export interface NotAHost {
  /** E.g. "the broadcast address of 198.18.0.0/24 (RFC 1122 §3.2.1.3 (d))". */
  readonly problem: string;
  /** E.g. "an address from 198.18.0.1 to 198.18.0.254". */
  readonly hosts: string;
}

/**
 * Whether `address` is a host of the prefix `address/prefixLength`, i.e. neither its network
 * address nor (IPv4) its broadcast address; `undefined` when it is a host.
 */
export function notAHostOf(address: IpPrefix, prefixLength: number): NotAHost | undefined {
  const prefix = { ...address, prefixLength };
  const hostBits = address.bytes.length * 8 - prefixLength;
  // RFC 3021 §3.1 (IPv4 /31) and RFC 6164 §5 (IPv6 /127): on a point-to-point prefix of two
  // addresses both are hosts; there is no network, broadcast or Subnet-Router anycast address.
  // A /32 or /128 is a single host.
  if (hostBits <= 1) return undefined;
  const host = hostPart(prefix);
  const network = networkOf(prefix);
  const first = network.bytes.slice();
  first[first.length - 1] = (first.at(-1) ?? 0) | 1;
  const last = broadcastOf(prefix);
  if (address.family === 4) last[last.length - 1] = (last.at(-1) ?? 0) & 0xfe;
  const hosts = `an address from ${formatAddress(first)} to ${formatAddress(last)}`;
  const networkText = formatPrefix(network);
  if (host === "zeros") {
    // IPv4: RFC 1122 §3.2.1.3 forbids a host number of 0 outside the special cases, and (h)
    // (added by RFC 3021 §3.1) makes {network, 0} the subnetwork number. IPv6: RFC 4291 §2.6.1
    // reserves an interface identifier of zeros for the Subnet-Router anycast address.
    return {
      problem:
        address.family === 4
          ? `the network address of ${networkText} (RFC 1122 §3.2.1.3)`
          : `the Subnet-Router anycast address of ${networkText} (RFC 4291 §2.6.1)`,
      hosts,
    };
  }
  // RFC 1122 §3.2.1.3 (d), (e): a host number of -1 is the directed broadcast of the (sub)net.
  // IPv6 has no broadcast (RFC 4291 §2), so an interface identifier of ones is a host there.
  if (host === "ones" && address.family === 4) {
    return { problem: `the broadcast address of ${networkText} (RFC 1122 §3.2.1.3 (d))`, hosts };
  }
  return undefined;
}

function hostPart(prefix: IpPrefix): "zeros" | "ones" | "mixed" {
  let zeros = true;
  let ones = true;
  for (let bit = prefix.prefixLength; bit < prefix.bytes.length * 8; bit++) {
    const set = ((prefix.bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0;
    zeros &&= !set;
    ones &&= set;
  }
  return zeros ? "zeros" : ones ? "ones" : "mixed";
}

function broadcastOf(prefix: IpPrefix): Uint8Array {
  const bytes = prefix.bytes.slice();
  for (let bit = prefix.prefixLength; bit < bytes.length * 8; bit++) {
    bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
  }
  return bytes;
}
