import { onesComplementSum } from "./internet-checksum.js";

/**
 * The unfolded sum of the IPv4 pseudo-header (RFC 768, RFC 793): source and destination address
 * read from the IPv4 header at `ipOffset`, zero, protocol, and the upper-layer length.
 * The caller has checked that the 20-byte fixed header is in range.
 */
export function ipv4PseudoHeaderSum(
  bytes: Uint8Array,
  ipOffset: number,
  protocol: number,
  upperLayerLength: number,
): number {
  return onesComplementSum(
    bytes,
    ipOffset + 12,
    8,
    (protocol & 0xff) + (upperLayerLength & 0xffff),
  );
}

/**
 * The unfolded sum of the IPv6 pseudo-header (RFC 8200 §8.1): source and destination address read
 * from the IPv6 header at `ipOffset`, the 32-bit upper-layer length and the next-header value of
 * the upper-layer protocol (not of the first extension header).
 */
export function ipv6PseudoHeaderSum(
  bytes: Uint8Array,
  ipOffset: number,
  nextHeader: number,
  upperLayerLength: number,
): number {
  const length = upperLayerLength >>> 0;
  return onesComplementSum(
    bytes,
    ipOffset + 8,
    32,
    (length >>> 16) + (length & 0xffff) + (nextHeader & 0xff),
  );
}
