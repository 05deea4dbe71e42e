import { isIP } from "node:net";
import { MagmaError } from "@magma/transport";

/** An IPv4 or IPv6 address with a prefix length, as the kernel and IP Helper take it. */
export interface IpPrefix {
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
  /** The prefix as written by the caller, for messages. */
  readonly text: string;
}

/** Why a configuration was refused before any system call was made. */
export class IpConfigurationError extends MagmaError<"INVALID_PREFIX" | "INVALID_CONFIGURATION"> {
  override readonly name = "IpConfigurationError";
}

/**
 * Parses "198.18.0.1/24" or "fd6d:6167:6d61::1/64". Without "/n" the prefix is a host prefix
 * (/32 or /128). Throws `IpConfigurationError` with code "INVALID_PREFIX" on anything else.
 */
export function parseIpPrefix(text: string): IpPrefix {
  const slash = text.indexOf("/");
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(addressText);
  if (family !== 4 && family !== 6) {
    throw new IpConfigurationError("INVALID_PREFIX", `"${text}" is not an IPv4 or IPv6 address`, {
      hint: 'write an address with an optional prefix length, e.g. "198.18.0.1/24"',
    });
  }
  const maxLength = family === 4 ? 32 : 128;
  let prefixLength = maxLength;
  if (slash !== -1) {
    const lengthText = text.slice(slash + 1);
    prefixLength = /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : Number.NaN;
    if (!(prefixLength >= 0 && prefixLength <= maxLength)) {
      throw new IpConfigurationError("INVALID_PREFIX", `"${text}" has an invalid prefix length`, {
        hint: `an IPv${family} prefix length is a whole number from 0 to ${maxLength}`,
      });
    }
  }
  const bytes = family === 4 ? ipv4Bytes(addressText) : ipv6Bytes(addressText);
  return { family, bytes, prefixLength, text };
}

/** The prefix with every bit past `prefixLength` cleared: the network a route points at. */
export function networkOf(prefix: IpPrefix): IpPrefix {
  const bytes = prefix.bytes.slice();
  for (let bit = prefix.prefixLength; bit < bytes.length * 8; bit++) {
    bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) & ~(0x80 >> (bit & 7));
  }
  return { ...prefix, bytes };
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split(".").map(Number));
}

// `isIP` has already accepted the text, so only the well-formed shapes reach here: up to eight
// groups with at most one "::", optionally ending in a dotted IPv4 address, optionally "%zone".
function ipv6Bytes(text: string): Uint8Array {
  const zone = text.indexOf("%");
  const address = zone === -1 ? text : text.slice(0, zone);
  const bytes = new Uint8Array(16);
  const [headText, tailText] = address.split("::") as [string, string | undefined];
  const head = groupsOf(headText);
  const tail = tailText === undefined ? [] : groupsOf(tailText);
  for (const [index, group] of head.entries()) writeGroup(bytes, index, group);
  for (const [index, group] of tail.entries()) writeGroup(bytes, 8 - tail.length + index, group);
  return bytes;
}

function groupsOf(text: string): number[] {
  if (text === "") return [];
  const groups: number[] = [];
  for (const part of text.split(":")) {
    if (part.includes(".")) {
      const [a = 0, b = 0, c = 0, d = 0] = part.split(".").map(Number);
      groups.push((a << 8) | b, (c << 8) | d);
    } else {
      groups.push(Number.parseInt(part, 16));
    }
  }
  return groups;
}

function writeGroup(bytes: Uint8Array, index: number, group: number): void {
  bytes[index * 2] = group >> 8;
  bytes[index * 2 + 1] = group & 0xff;
}
