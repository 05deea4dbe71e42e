import { IpPacketView, IpProtocol, upperLayerChecksumVerifies } from "@magma/packets";

/** ICMPv4 types and codes this layer acts on (RFC 792, RFC 1191). */
const ICMPV4_DESTINATION_UNREACHABLE = 3;
const ICMPV4_FRAGMENTATION_NEEDED = 4;
const ICMPV4_TIME_EXCEEDED = 11;
/** ICMPv6 types (RFC 4443 §3, RFC 8201). */
const ICMPV6_DESTINATION_UNREACHABLE = 1;
const ICMPV6_PACKET_TOO_BIG = 2;
const ICMPV6_TIME_EXCEEDED = 3;
/** The smallest path MTU we accept from an ICMP message: RFC 1191 §3's 68 is too trusting; Linux's min_pmtu is 552. */
const MIN_PATH_MTU_V4 = 552;
/** RFC 8200 §5: IPv6 links carry at least 1280 bytes. */
const MIN_PATH_MTU_V6 = 1280;

/** What an ICMP error says about a TCP segment it quotes. */
export type IcmpErrorKind =
  /** The path MTU is `mtu` (RFC 1191 fragmentation needed, RFC 8201 packet too big). */
  | "path-mtu"
  /** Host, network or port unreachable, or time exceeded: a soft error (RFC 1122 §4.2.3.9). */
  | "unreachable";

/**
 * Reads an ICMPv4 or ICMPv6 error that quotes a TCP segment: the quoted IP header and at least
 * the first 8 bytes of TCP (ports and sequence number, RFC 792 / RFC 4443 §2.4). Re-point one
 * instance per packet; allocates nothing.
 */
export class IcmpError {
  readonly quoted = new IpPacketView();
  kind: IcmpErrorKind = "unreachable";
  /** The reported path MTU, for "path-mtu". */
  mtu = 0;

  /** False unless `ip` is a well-formed ICMP error with a valid checksum quoting TCP. */
  read(ip: IpPacketView): boolean {
    const isV4 = ip.version === 4 && ip.protocol === IpProtocol.icmp;
    const isV6 = ip.version === 6 && ip.protocol === IpProtocol.icmpv6;
    if ((!isV4 && !isV6) || ip.isFragment || ip.upperLayerLength < 8 + 28) return false;
    const bytes = ip.bytes;
    const at = ip.upperLayerOffset;
    const type = bytes[at]!;
    const code = bytes[at + 1]!;
    if (isV4) {
      if (type === ICMPV4_DESTINATION_UNREACHABLE && code === ICMPV4_FRAGMENTATION_NEEDED) {
        this.kind = "path-mtu";
        this.mtu = Math.max((bytes[at + 6]! << 8) | bytes[at + 7]!, MIN_PATH_MTU_V4);
      } else if (type === ICMPV4_DESTINATION_UNREACHABLE || type === ICMPV4_TIME_EXCEEDED) {
        this.kind = "unreachable";
      } else {
        return false;
      }
    } else if (type === ICMPV6_PACKET_TOO_BIG) {
      this.kind = "path-mtu";
      const mtu =
        ((bytes[at + 4]! << 24) |
          (bytes[at + 5]! << 16) |
          (bytes[at + 6]! << 8) |
          bytes[at + 7]!) >>>
        0;
      this.mtu = Math.min(Math.max(mtu, MIN_PATH_MTU_V6), 65535);
    } else if (type === ICMPV6_DESTINATION_UNREACHABLE || type === ICMPV6_TIME_EXCEEDED) {
      this.kind = "unreachable";
    } else {
      return false;
    }
    if (!upperLayerChecksumVerifies(ip)) return false;
    // The quoted packet may be cut short: wrap only as far as the message goes.
    const quotedAt = at + 8;
    const quotedLength = ip.upperLayerLength - 8;
    if (!wrapTruncated(this.quoted, bytes, quotedAt, quotedLength)) return false;
    return this.quoted.protocol === IpProtocol.tcp && this.quoted.version === ip.version;
  }
}

/**
 * Wraps a quoted IP packet whose stated length may exceed what was quoted: checks the header
 * against the stated length by viewing a copy of the header fields' bounds only. The quoted
 * upper-layer bytes are then at `quoted.upperLayerOffset` (at least 8 of them, checked).
 */
function wrapTruncated(view: IpPacketView, bytes: Uint8Array, at: number, length: number): boolean {
  const first = bytes[at]! >>> 4;
  const headerLength = first === 6 ? 40 : (bytes[at]! & 0x0f) * 4;
  if (length < headerLength + 8) return false;
  // Patch nothing: view it with the quoted length as the packet's extent when the stated length
  // is larger (ICMP quotes only the start of the packet).
  const stated =
    first === 6
      ? 40 + ((bytes[at + 4]! << 8) | bytes[at + 5]!)
      : (bytes[at + 2]! << 8) | bytes[at + 3]!;
  if (stated <= length) return view.wrap(bytes, at, stated) && view.upperLayerLength >= 8;
  return viewQuotedPrefix(view, bytes, at, headerLength);
}

const scratch = new Uint8Array(40 + 8);

/** Wraps a copy of the quoted header and 8 bytes with its length field set to what was quoted. */
function viewQuotedPrefix(
  view: IpPacketView,
  bytes: Uint8Array,
  at: number,
  headerLength: number,
): boolean {
  const copy = headerLength + 8 <= scratch.length ? scratch : new Uint8Array(headerLength + 8);
  copy.set(bytes.subarray(at, at + headerLength + 8));
  const total = headerLength + 8;
  if (copy[0]! >>> 4 === 6) {
    copy[4] = 0;
    copy[5] = 8;
  } else {
    copy[2] = total >>> 8;
    copy[3] = total & 0xff;
  }
  return view.wrap(copy, 0, total) && view.upperLayerLength >= 8;
}
