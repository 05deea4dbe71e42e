import {
  formatIpv4Address,
  formatIpv6Address,
  parseIpv4Address,
  parseIpv6Address,
} from "@magma/packets";
import { TcpConfigurationError } from "./tcp-error.js";

/** One IPv4 or IPv6 address in the forms packet code and users each need. */
export class IpAddress {
  /** 4 or 16 bytes, in network order. */
  readonly bytes: Uint8Array;
  readonly family: 4 | 6;
  /** For IPv4, the address as an unsigned 32-bit number; 0 for IPv6. */
  readonly v4: number;
  /** As Node prints it: "198.18.0.2", "fd6d:6167:6d61::2". */
  readonly text: string;

  private constructor(family: 4 | 6, bytes: Uint8Array, text: string) {
    this.family = family;
    this.bytes = bytes;
    this.v4 =
      family === 4
        ? ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0
        : 0;
    this.text = text;
  }

  /** Node's `family` string. */
  get familyName(): "IPv4" | "IPv6" {
    return this.family === 4 ? "IPv4" : "IPv6";
  }

  static parse(text: string): IpAddress {
    const v4 = parseIpv4Address(text);
    if (v4 !== null) return IpAddress.fromV4(v4);
    const v6 = parseIpv6Address(text);
    if (v6 !== null) return new IpAddress(6, v6, formatIpv6Address(v6));
    throw new TcpConfigurationError(
      "INVALID_ARGUMENT",
      `"${text}" is not an IPv4 or IPv6 address`,
      {
        hint: 'write an address as "198.18.0.2" or "fd6d:6167:6d61::2"',
      },
    );
  }

  static fromV4(value: number): IpAddress {
    const bytes = new Uint8Array(4);
    bytes[0] = value >>> 24;
    bytes[1] = (value >>> 16) & 0xff;
    bytes[2] = (value >>> 8) & 0xff;
    bytes[3] = value & 0xff;
    return new IpAddress(4, bytes, formatIpv4Address(value >>> 0));
  }

  /** Copies the IPv6 address at `bytes[offset .. offset + 16)`. */
  static fromV6Bytes(bytes: Uint8Array, offset: number): IpAddress {
    const copy = bytes.slice(offset, offset + 16);
    return new IpAddress(6, copy, formatIpv6Address(copy));
  }

  /** Whether the address in a packet at `bytes[offset ..]` (4 or 16 bytes by family) is this one. */
  matches(bytes: Uint8Array, offset: number): boolean {
    const own = this.bytes;
    for (let i = 0; i < own.length; i++) if (bytes[offset + i] !== own[i]) return false;
    return true;
  }

  equals(other: IpAddress): boolean {
    return other.family === this.family && other.matches(this.bytes, 0);
  }
}
