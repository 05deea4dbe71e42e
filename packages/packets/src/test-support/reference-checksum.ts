/** The textbook RFC 1071 loop, one byte at a time: the oracle the fast paths are checked against. */
export function referenceChecksum(
  bytes: Uint8Array,
  offset: number,
  length: number,
  initial = 0,
): number {
  let sum = initial;
  for (let i = 0; i < length; i++) {
    const byte = bytes[offset + i] ?? 0;
    sum += (i & 1) === 0 ? byte << 8 : byte;
  }
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
}
