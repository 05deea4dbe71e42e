import { checksumFromSum, onesComplementSum } from "./internet-checksum.js";
import type { IpPacketView } from "./ip-packet-view.js";
import { IpProtocol } from "./ip-protocol.js";

/** Where the checksum field sits in the upper-layer header, or -1 for a protocol without one here. */
function checksumFieldOffset(protocol: number): number {
  switch (protocol) {
    case IpProtocol.udp:
      return 6;
    case IpProtocol.tcp:
      return 16;
    case IpProtocol.icmp:
    case IpProtocol.icmpv6:
      return 2;
    default:
      return -1;
  }
}

/**
 * The bytes the upper-layer checksum covers: the UDP length field's value for UDP (when it is
 * consistent with the IP payload), the whole IP payload otherwise; -1 when the header is too
 * short to hold its checksum field or the UDP length is impossible.
 */
function coveredLength(ip: IpPacketView): number {
  const available = ip.upperLayerLength;
  const field = checksumFieldOffset(ip.protocol);
  if (field < 0 || available < field + 2) return -1;
  if (ip.protocol !== IpProtocol.udp) return available;
  const at = ip.upperLayerOffset;
  const udpLength = (ip.bytes[at + 4]! << 8) | ip.bytes[at + 5]!;
  return udpLength >= 8 && udpLength <= available ? udpLength : -1;
}

/**
 * Whether the UDP, TCP, ICMPv4 or ICMPv6 checksum of a wrapped, unfragmented packet is right,
 * pseudo-header included where the protocol has one. A zero UDP checksum over IPv4 means "none"
 * and passes; over IPv6 it fails (RFC 8200 §8.1). Other protocols and fragments give false.
 */
export function upperLayerChecksumVerifies(ip: IpPacketView): boolean {
  if (ip.status !== "ok" || ip.isFragment) return false;
  const length = coveredLength(ip);
  if (length < 0) return false;
  const at = ip.upperLayerOffset;
  if (ip.protocol === IpProtocol.udp && ip.version === 4) {
    if (ip.bytes[at + 6] === 0 && ip.bytes[at + 7] === 0) return true;
  }
  const sum = onesComplementSum(ip.bytes, at, length, ip.checksumSeed(length));
  return checksumFromSum(sum) === 0;
}

/**
 * Computes and stores the UDP, TCP, ICMPv4 or ICMPv6 checksum of a wrapped, unfragmented packet
 * (a computed UDP checksum of 0 is sent as 0xffff, RFC 768). False, with nothing written, for
 * other protocols, fragments and headers too short to hold the field.
 */
export function fillUpperLayerChecksum(ip: IpPacketView): boolean {
  if (ip.status !== "ok" || ip.isFragment) return false;
  const length = coveredLength(ip);
  if (length < 0) return false;
  const bytes = ip.bytes;
  const field = ip.upperLayerOffset + checksumFieldOffset(ip.protocol);
  bytes[field] = 0;
  bytes[field + 1] = 0;
  let checksum = checksumFromSum(
    onesComplementSum(bytes, ip.upperLayerOffset, length, ip.checksumSeed(length)),
  );
  if (checksum === 0 && ip.protocol === IpProtocol.udp) checksum = 0xffff;
  bytes[field] = checksum >>> 8;
  bytes[field + 1] = checksum & 0xff;
  return true;
}
