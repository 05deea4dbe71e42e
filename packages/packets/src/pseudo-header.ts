import { checkOffset } from "./byte-range.js";
import { sumRange } from "./internet-checksum.js";

/**
 * The unfolded sum of the IPv4 pseudo-header (RFC 768, RFC 793): source and destination address
 * read from the IPv4 header at `ipOffset`, zero, protocol, and the upper-layer length.
 * Throws a RangeError unless the 20-byte fixed header at `ipOffset` is inside `bytes`.
 */
export function ipv4PseudoHeaderSum(
  bytes: Uint8Array,
  ipOffset: number,
  protocol: number,
  upperLayerLength: number,
): number {
  checkOffset("ipv4PseudoHeaderSum", "ipOffset", bytes, ipOffset, 20);
  return sumRange(bytes, ipOffset + 12, 8, (protocol & 0xff) + (upperLayerLength & 0xffff));
}

/**
 * The unfolded sum of the IPv6 pseudo-header (RFC 8200 §8.1): source and destination address read
 * from the IPv6 header at `ipOffset`, the 32-bit upper-layer length and the next-header value of
 * the upper-layer protocol (not of the first extension header). Throws a RangeError unless the
 * 40-byte fixed header at `ipOffset` is inside `bytes`.
 */
export function ipv6PseudoHeaderSum(
  bytes: Uint8Array,
  ipOffset: number,
  nextHeader: number,
  upperLayerLength: number,
): number {
  checkOffset("ipv6PseudoHeaderSum", "ipOffset", bytes, ipOffset, 40);
  const length = upperLayerLength >>> 0;
  return sumRange(
    bytes,
    ipOffset + 8,
    32,
    (length >>> 16) + (length & 0xffff) + (nextHeader & 0xff),
  );
}
