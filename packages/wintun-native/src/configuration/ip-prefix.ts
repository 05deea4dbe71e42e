import { isIP } from "node:net";
import { describeValue, MagmaError } from "@magma/transport";

/** An IPv4 or IPv6 address with a prefix length, as the kernel and IP Helper take it. */
export interface IpPrefix {
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6, network order. */
  readonly bytes: Uint8Array;
  readonly prefixLength: number;
  /** The prefix as written by the caller, for messages. */
  readonly text: string;
}

/** The public call and the option a value was given for, e.g. `routes[1].nextHop`. */
export interface OptionPath {
  readonly where: string;
  readonly option: string;
}

export type IpConfigurationErrorCode =
  /** The text is not an address with an optional prefix length, or not the kind the option takes. */
  | "INVALID_PREFIX"
  /** A well-formed address that no adapter can hold or use as a gateway: multicast, loopback, ... */
  | "UNUSABLE_ADDRESS"
  /** Options that are each fine but do not fit together, e.g. an IPv6 next hop for an IPv4 route. */
  | "INVALID_CONFIGURATION";

/**
 * Why a configuration was refused before any system call was made. Like `OptionError`, it names
 * the call (`where`), the option, the value given and what is allowed, and says what is wrong.
 */
export class IpConfigurationError extends MagmaError<IpConfigurationErrorCode> {
  override readonly name = "IpConfigurationError";
  /** The call that refused it, e.g. `adapter.configure`. */
  readonly where: string;
  /** The option's path in the configuration, e.g. `addresses[0]` or `routes[2].nextHop`. */
  readonly option: string;
  readonly value: unknown;
  /** What the option accepts, in words: "a unicast address". */
  readonly allowed: string;

  constructor(
    code: IpConfigurationErrorCode,
    at: OptionPath,
    value: unknown,
    allowed: string,
    problem: string,
    hint?: string,
  ) {
    super(
      code,
      `${at.where}: ${at.option} must be ${allowed}; ${describeValue(value)} is ${problem}`,
      hint === undefined ? undefined : { hint },
    );
    this.where = at.where;
    this.option = at.option;
    this.value = value;
    this.allowed = allowed;
  }
}

const PREFIX_ALLOWED =
  'an IPv4 or IPv6 address with an optional prefix length, e.g. "198.18.0.1/24"';

/**
 * Parses "198.18.0.1/24" or "fd6d:6167:6d61::1/64". Without "/n" the prefix is a host prefix
 * (/32 or /128). Throws `IpConfigurationError` with code "INVALID_PREFIX", naming `at`, on
 * anything else, a zone index ("%eth0") included: the adapter being configured is the zone.
 */
export function parseIpPrefix(text: string, at: OptionPath): IpPrefix {
  const slash = text.indexOf("/");
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const family = isIP(addressText);
  if (family !== 4 && family !== 6) {
    throw new IpConfigurationError(
      "INVALID_PREFIX",
      at,
      text,
      PREFIX_ALLOWED,
      "not an IPv4 or IPv6 address",
    );
  }
  if (addressText.includes("%")) {
    throw new IpConfigurationError(
      "INVALID_PREFIX",
      at,
      text,
      `${PREFIX_ALLOWED}, without a zone index`,
      "an address with a zone index",
      "the adapter being configured is the zone; leave out the %",
    );
  }
  const maxLength = family === 4 ? 32 : 128;
  let prefixLength = maxLength;
  if (slash !== -1) {
    const lengthText = text.slice(slash + 1);
    prefixLength = /^\d{1,3}$/.test(lengthText) ? Number(lengthText) : Number.NaN;
    if (!(prefixLength >= 0 && prefixLength <= maxLength)) {
      throw new IpConfigurationError(
        "INVALID_PREFIX",
        at,
        text,
        `an IPv${family} address with a prefix length from 0 to ${maxLength}`,
        "an address with an invalid prefix length",
      );
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

/** True when the two prefixes' addresses agree in every bit up to `prefixLength`. */
export function sameNetwork(a: IpPrefix, b: IpPrefix, prefixLength: number): boolean {
  if (a.family !== b.family) return false;
  for (let bit = 0; bit < prefixLength; bit++) {
    const mask = 0x80 >> (bit & 7);
    if (((a.bytes[bit >> 3] ?? 0) & mask) !== ((b.bytes[bit >> 3] ?? 0) & mask)) return false;
  }
  return true;
}

/**
 * An address in its usual text form: dotted decimal for IPv4; for IPv6 the RFC 5952 §4 form
 * (lower case, no leading zeros, the longest run of two or more zero groups, the first of equal
 * runs, shortened to "::").
 */
export function formatAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let runStart = -1;
  let runLength = 0;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length >= 2 && length > runLength) [runStart, runLength] = [start, length];
  }
  const hex = (part: number[]) => part.map((group) => group.toString(16)).join(":");
  if (runStart === -1) return hex(groups);
  return `${hex(groups.slice(0, runStart))}::${hex(groups.slice(runStart + runLength))}`;
}

/** An address with its prefix length, e.g. "198.18.0.0/24". */
export function formatPrefix(prefix: IpPrefix): string {
  return `${formatAddress(prefix.bytes)}/${prefix.prefixLength}`;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split(".").map(Number));
}

// `isIP` has already accepted the text, so only the well-formed shapes reach here: up to eight
// groups with at most one "::", optionally ending in a dotted IPv4 address (a zone is refused).
function ipv6Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  const [headText, tailText] = text.split("::") as [string, string | undefined];
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
