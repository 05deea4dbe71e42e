import { updateChecksum16 } from "./checksum-update.js";
import { Icmpv4Type, Icmpv6Type } from "./icmp-echo.js";
import { IpPacketView } from "./ip-packet-view.js";
import { IpProtocol } from "./ip-protocol.js";
import { OptionCursor } from "./option-cursor.js";
import { upperLayerChecksumVerifies } from "./upper-layer-checksum.js";

/**
 * What an in-place reply did: `"replied"`, or why the packet was left unchanged — `"malformed"`
 * (the IP layer or the message is truncated or inconsistent), `"not-applicable"` (another
 * protocol, or not an echo request), `"fragment"`, `"routing-header"` (an IPv6 routing header or
 * an IPv4 source-route option: copied into the reply, it would send the reply along the request's
 * route in the request's order), `"bad-checksum"`.
 */
export type ReplyResult =
  | "replied"
  | "malformed"
  | "not-applicable"
  | "fragment"
  | "routing-header"
  | "bad-checksum";

/** The hop limit (IPv4 TTL) replies leave with, as Linux's default. */
export const REPLY_HOP_LIMIT = 64;

// One view and one cursor for every call: replying allocates nothing. Calls never nest, so
// sharing is safe.
const packet = new IpPacketView();
const options = new OptionCursor();

/** IPv4 loose and strict source and record route (RFC 791 §3.1). */
const LOOSE_SOURCE_ROUTE = 131;
const STRICT_SOURCE_ROUTE = 137;

function checkCommon(bytes: Uint8Array, offset: number, length: number): ReplyResult {
  if (!packet.wrap(bytes, offset, length)) return "malformed";
  if (packet.isFragment) return "fragment";
  if (packet.version === 6) return packet.ipv6.hasRoutingHeader ? "routing-header" : "replied";
  if (packet.ipv4.optionsLength === 0) return "replied";
  // A reply must reverse a source route (RFC 1122 §3.2.1.8), which an in-place swap cannot do.
  // Record route and timestamp options are harmless to echo back as they came.
  packet.ipv4.options(options);
  while (options.next()) {
    if (options.kind === LOOSE_SOURCE_ROUTE || options.kind === STRICT_SOURCE_ROUTE) {
      return "routing-header";
    }
  }
  return options.status === "bad-length" ? "malformed" : "replied";
}

function isZero(bytes: Uint8Array, offset: number, length: number): boolean {
  for (let i = offset; i < offset + length; i++) if (bytes[i] !== 0) return false;
  return true;
}

function turnAround(): void {
  packet.swapAddresses();
  packet.setHopLimit(REPLY_HOP_LIMIT);
}

/**
 * Turns the ICMPv4 or ICMPv6 echo request in `bytes[offset .. offset + length)` into its echo
 * reply in place: addresses swapped, hop limit reset, type changed, checksums updated
 * incrementally (RFC 1624; swapping addresses leaves every sum unchanged). The request's checksum
 * is verified first, so a corrupted request gets no reply. Data and identifiers are kept, as
 * RFC 792 and RFC 4443 require.
 */
export function turnEchoRequestIntoReply(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
): ReplyResult {
  const common = checkCommon(bytes, offset, length);
  if (common !== "replied") return common;
  const v4 = packet.version === 4;
  if (packet.protocol !== (v4 ? IpProtocol.icmp : IpProtocol.icmpv6)) return "not-applicable";
  if (packet.upperLayerLength < 8) return "malformed";
  const at = packet.upperLayerOffset;
  const request = v4 ? Icmpv4Type.echoRequest : Icmpv6Type.echoRequest;
  if (bytes[at] !== request || bytes[at + 1] !== 0) return "not-applicable";
  if (!upperLayerChecksumVerifies(packet)) return "bad-checksum";

  const reply = v4 ? Icmpv4Type.echoReply : Icmpv6Type.echoReply;
  const checksum = (bytes[at + 2]! << 8) | bytes[at + 3]!;
  let updated = updateChecksum16(checksum, request << 8, reply << 8);
  // Eqn. 3 never yields 0xffff, yet that is the only checksum of a message whose other words
  // are all zero: an ICMPv4 echo reply with identifier, sequence number and data all zero (no
  // pseudo-header adds to ICMPv4's sum). Its 0x0000 would fail every receiver's check.
  if (updated === 0 && v4 && isZero(bytes, at + 4, packet.upperLayerLength - 4)) updated = 0xffff;
  bytes[at] = reply;
  bytes[at + 2] = updated >>> 8;
  bytes[at + 3] = updated & 0xff;
  turnAround();
  return "replied";
}

/**
 * Turns the UDP datagram in `bytes[offset .. offset + length)` into a reply carrying the same
 * payload back (an echo service): addresses and ports swapped, hop limit reset. The UDP checksum
 * stays valid without recomputation, since its sums are commutative; a caller that then changes
 * the payload calls `fillUpperLayerChecksum`. Unverifiable datagrams are left alone.
 */
export function turnUdpIntoReply(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
): ReplyResult {
  const common = checkCommon(bytes, offset, length);
  if (common !== "replied") return common;
  if (packet.protocol !== IpProtocol.udp) return "not-applicable";
  if (packet.upperLayerLength < 8) return "malformed";
  if (!upperLayerChecksumVerifies(packet)) return "bad-checksum";
  const at = packet.upperLayerOffset;
  for (let i = 0; i < 2; i++) {
    const source = bytes[at + i]!;
    bytes[at + i] = bytes[at + 2 + i]!;
    bytes[at + 2 + i] = source;
  }
  turnAround();
  return "replied";
}
