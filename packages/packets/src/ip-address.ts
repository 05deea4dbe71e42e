import { checkOffset } from "./byte-range.js";

/**
 * Address text conversions for configuration, logs and tests; packet code itself reads IPv4
 * addresses as unsigned 32-bit numbers and IPv6 addresses in place, without conversion.
 */

/** Parses dotted-quad text ("198.18.0.1") to an unsigned 32-bit number, or `null`. */
export function parseIpv4Address(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Formats an unsigned 32-bit IPv4 address as dotted-quad text. */
export function formatIpv4Address(address: number): string {
  return `${address >>> 24}.${(address >>> 16) & 0xff}.${(address >>> 8) & 0xff}.${address & 0xff}`;
}

function parseGroups(text: string): number[] | null {
  if (text === "") return [];
  const groups: number[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
    groups.push(Number.parseInt(group, 16));
  }
  return groups;
}

/**
 * Parses IPv6 text (RFC 4291 §2.2 forms 1 and 2: hexadecimal groups with at most one "::") into
 * 16 bytes, or `null`. Embedded dotted-quad suffixes and zone identifiers are not accepted.
 */
export function parseIpv6Address(text: string): Uint8Array | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? "");
  const tail = halves.length === 2 ? parseGroups(halves[1] ?? "") : [];
  if (head === null || tail === null) return null;
  const compressed = halves.length === 2;
  const explicit = head.length + tail.length;
  if (compressed ? explicit > 7 : explicit !== 8) return null;
  const groups = [...head, ...new Array<number>(8 - explicit).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >>> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/**
 * Formats the 16 bytes at `offset` as RFC 5952 canonical IPv6 text (longest zero run as "::").
 * Throws a RangeError unless `offset` is an integer and the 16 bytes are inside `bytes`.
 */
export function formatIpv6Address(bytes: Uint8Array, offset = 0): string {
  checkOffset("formatIpv6Address", "offset", bytes, offset, 16);
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) {
    groups.push((bytes[offset + i * 2]! << 8) | bytes[offset + i * 2 + 1]!);
  }
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(":");
  const before = hex.slice(0, bestStart).join(":");
  const after = hex.slice(bestStart + bestLength).join(":");
  return `${before}::${after}`;
}
