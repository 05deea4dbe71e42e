import { foldChecksumSum } from "./internet-checksum.js";

/**
 * RFC 1624 incremental update, eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit field that changed
 * from `oldWord` to `newWord`. The result equals a full recomputation for any data with a non-zero
 * word, which every IP header and every pseudo-header has. For data whose words are all zero the
 * full computation gives 0xffff, which eqn. 3 never returns (it gives 0x0000): a caller whose
 * covered data can be all zero (an ICMPv4 message) checks for that case itself.
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  const sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  return ~foldChecksumSum(sum) & 0xffff;
}

/** RFC 1624 eqn. 3 for a 32-bit field (an IPv4 address, a TCP sequence number): both halves at once. */
export function updateChecksum32(checksum: number, oldValue: number, newValue: number): number {
  const sum =
    (~checksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) +
    (~oldValue & 0xffff) +
    ((newValue >>> 16) & 0xffff) +
    (newValue & 0xffff);
  return ~foldChecksumSum(sum) & 0xffff;
}
