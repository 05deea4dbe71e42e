import { foldChecksumSum } from "./internet-checksum.js";

/**
 * RFC 1624 incremental update, eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit field that changed
 * from `oldWord` to `newWord`. Eqn. 3 (rather than eqn. 2) avoids producing 0x0000 from -0 when the
 * true result is 0xffff, so the result equals a full recomputation.
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
