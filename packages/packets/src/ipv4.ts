import { checkLength, checkOffset } from "./byte-range.js";
import { updateChecksum16, updateChecksum32 } from "./checksum-update.js";
import { internetChecksum } from "./internet-checksum.js";
import type { OptionCursor } from "./option-cursor.js";
import { ipv4PseudoHeaderSum } from "./pseudo-header.js";

export const IPV4_MIN_HEADER_LENGTH = 20;
export const IPV4_MAX_OPTIONS_LENGTH = 40;

/** Why `Ipv4View.wrap` refused a buffer, or `"ok"`. */
export type Ipv4Status =
  | "ok"
  | "truncated"
  | "bad-version"
  | "bad-header-length"
  | "bad-total-length";

/**
 * A zero-copy view of an IPv4 header (RFC 791) in a caller's Uint8Array. Create one per consumer
 * and re-point it with `wrap()` for every packet: parsing allocates nothing. Getters read the
 * bytes on each access, so a view sees writes made through other views of the same memory.
 */
export class Ipv4View {
  bytes: Uint8Array = new Uint8Array(0);
  /** Where the header starts in `bytes`. */
  offset = 0;
  /** The result of the last `wrap()`. Getters are meaningful only when it is `"ok"`. */
  status: Ipv4Status = "truncated";

  /**
   * Points the view at the packet in `bytes[offset .. offset + length)` and checks what parsing
   * relies on: version 4, IHL ≥ 5 and within the buffer, IHL×4 ≤ total length ≤ `length`.
   * Returns false (with `status` saying why) otherwise. The header checksum is checked separately
   * by `hasValidHeaderChecksum()`, so forwarding code can choose to skip it.
   */
  wrap(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    this.bytes = bytes;
    this.offset = offset;
    // A negative, fractional or NaN offset or length is refused as truncated; checked inline
    // because a call to a shared helper cost more than the check itself on this per-packet path.
    const available =
      Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0
        ? Math.min(length, bytes.length - offset)
        : -1;
    if (!(available >= IPV4_MIN_HEADER_LENGTH)) return this.#refuse("truncated");
    const first = bytes[offset]!;
    if (first >>> 4 !== 4) return this.#refuse("bad-version");
    const headerLength = (first & 0x0f) * 4;
    if (headerLength < IPV4_MIN_HEADER_LENGTH || headerLength > available) {
      return this.#refuse("bad-header-length");
    }
    const totalLength = (bytes[offset + 2]! << 8) | bytes[offset + 3]!;
    if (totalLength < headerLength || totalLength > available) {
      return this.#refuse("bad-total-length");
    }
    this.status = "ok";
    return true;
  }

  #refuse(status: Ipv4Status): false {
    this.status = status;
    return false;
  }

  #u16(at: number): number {
    return (this.bytes[this.offset + at]! << 8) | this.bytes[this.offset + at + 1]!;
  }

  #u32(at: number): number {
    return ((this.#u16(at) << 16) | this.#u16(at + 2)) >>> 0;
  }

  get version(): number {
    return this.bytes[this.offset]! >>> 4;
  }
  /** Internet header length in 32-bit words. */
  get ihl(): number {
    return this.bytes[this.offset]! & 0x0f;
  }
  get headerLength(): number {
    return this.ihl * 4;
  }
  /** Differentiated services code point (RFC 2474): the top six bits of the second byte. */
  get dscp(): number {
    return this.bytes[this.offset + 1]! >>> 2;
  }
  /** Explicit congestion notification (RFC 3168): the low two bits of the second byte. */
  get ecn(): number {
    return this.bytes[this.offset + 1]! & 0x03;
  }
  get totalLength(): number {
    return this.#u16(2);
  }
  get identification(): number {
    return this.#u16(4);
  }
  /** The three flag bits: 0b100 reserved, 0b010 don't fragment, 0b001 more fragments. */
  get flags(): number {
    return this.bytes[this.offset + 6]! >>> 5;
  }
  get dontFragment(): boolean {
    return (this.bytes[this.offset + 6]! & 0x40) !== 0;
  }
  get moreFragments(): boolean {
    return (this.bytes[this.offset + 6]! & 0x20) !== 0;
  }
  /** Fragment offset in units of 8 bytes. */
  get fragmentOffset(): number {
    return this.#u16(6) & 0x1fff;
  }
  /** True for any fragment, first or later: the payload is not a whole upper-layer packet. */
  get isFragment(): boolean {
    return (this.#u16(6) & 0x3fff) !== 0;
  }
  get ttl(): number {
    return this.bytes[this.offset + 8]!;
  }
  get protocol(): number {
    return this.bytes[this.offset + 9]!;
  }
  get headerChecksum(): number {
    return this.#u16(10);
  }
  /** Source address as an unsigned 32-bit number. */
  get source(): number {
    return this.#u32(12);
  }
  /** Destination address as an unsigned 32-bit number. */
  get destination(): number {
    return this.#u32(16);
  }
  get optionsOffset(): number {
    return this.offset + IPV4_MIN_HEADER_LENGTH;
  }
  get optionsLength(): number {
    return this.headerLength - IPV4_MIN_HEADER_LENGTH;
  }
  /** Where the payload starts in `bytes`. */
  get payloadOffset(): number {
    return this.offset + this.headerLength;
  }
  /** Payload length from the total-length field (trailing link-layer padding excluded). */
  get payloadLength(): number {
    return this.totalLength - this.headerLength;
  }

  /** Points `cursor` at this header's options. */
  options(cursor: OptionCursor): OptionCursor {
    return cursor.reset(this.bytes, this.optionsOffset, this.offset + this.headerLength);
  }

  hasValidHeaderChecksum(): boolean {
    return internetChecksum(this.bytes, this.offset, this.headerLength) === 0;
  }

  /** Computes and stores the header checksum. */
  updateHeaderChecksum(): void {
    const bytes = this.bytes;
    const at = this.offset + 10;
    bytes[at] = 0;
    bytes[at + 1] = 0;
    const checksum = internetChecksum(bytes, this.offset, this.headerLength);
    bytes[at] = checksum >>> 8;
    bytes[at + 1] = checksum & 0xff;
  }

  /** The unfolded pseudo-header sum for this packet's payload (UDP, TCP). */
  pseudoHeaderSum(): number {
    return ipv4PseudoHeaderSum(this.bytes, this.offset, this.protocol, this.payloadLength);
  }

  /** Sets the TTL and updates the header checksum incrementally (RFC 1624). */
  setTtl(ttl: number): void {
    const at = this.offset + 8;
    const oldWord = this.#u16(8);
    this.bytes[at] = ttl & 0xff;
    this.#setChecksum(updateChecksum16(this.headerChecksum, oldWord, this.#u16(8)));
  }

  /** Sets the source address and updates the header checksum incrementally. */
  setSource(address: number): void {
    const old = this.source;
    this.#writeU32(12, address);
    this.#setChecksum(updateChecksum32(this.headerChecksum, old, address >>> 0));
  }

  /** Sets the destination address and updates the header checksum incrementally. */
  setDestination(address: number): void {
    const old = this.destination;
    this.#writeU32(16, address);
    this.#setChecksum(updateChecksum32(this.headerChecksum, old, address >>> 0));
  }

  /**
   * Exchanges source and destination. Neither the header checksum nor a pseudo-header sum changes:
   * one's-complement addition is commutative.
   */
  swapAddresses(): void {
    const source = this.source;
    this.#writeU32(12, this.destination);
    this.#writeU32(16, source);
  }

  #writeU32(at: number, value: number): void {
    writeU32(this.bytes, this.offset + at, value);
  }

  #setChecksum(checksum: number): void {
    this.bytes[this.offset + 10] = checksum >>> 8;
    this.bytes[this.offset + 11] = checksum & 0xff;
  }
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/** What `writeIpv4Header` writes. Omitted fields take the defaults in brackets. */
export interface Ipv4HeaderFields {
  readonly source: number;
  readonly destination: number;
  readonly protocol: number;
  /** [0] */
  readonly dscp?: number | undefined;
  /** [0] */
  readonly ecn?: number | undefined;
  /** [0] */
  readonly identification?: number | undefined;
  /** [false] */
  readonly dontFragment?: boolean | undefined;
  /** [false] */
  readonly moreFragments?: boolean | undefined;
  /** In units of 8 bytes [0]. */
  readonly fragmentOffset?: number | undefined;
  /** [64] */
  readonly ttl?: number | undefined;
  /** Raw option bytes, padded with end-of-list zeros to a multiple of 4; at most 40 bytes. */
  readonly options?: Uint8Array | undefined;
}

/** The header length `writeIpv4Header` will write for these fields. */
export function ipv4HeaderLength(fields: Pick<Ipv4HeaderFields, "options">): number {
  const optionsLength = fields.options?.length ?? 0;
  if (optionsLength > IPV4_MAX_OPTIONS_LENGTH) {
    throw new RangeError(`IPv4 options are ${optionsLength} bytes; the header allows at most 40`);
  }
  return IPV4_MIN_HEADER_LENGTH + ((optionsLength + 3) & ~3);
}

/**
 * Writes an IPv4 header at `target[offset]` for a payload of `payloadLength` bytes, with total
 * length and header checksum filled in. Returns the header length, or 0 when the header and
 * payload would not fit in `target` or exceed 65535 bytes. Throws RangeError for programming
 * errors rather than runtime conditions: options longer than 40 bytes, an `offset` or
 * `payloadLength` that is not a non-negative integer.
 */
export function writeIpv4Header(
  target: Uint8Array,
  offset: number,
  fields: Ipv4HeaderFields,
  payloadLength: number,
): number {
  return writeIpv4HeaderWithProtocol(target, offset, fields, fields.protocol, payloadLength);
}

/** `writeIpv4Header` with the protocol apart, so builders need not copy the caller's fields. */
export function writeIpv4HeaderWithProtocol(
  target: Uint8Array,
  offset: number,
  fields: Omit<Ipv4HeaderFields, "protocol">,
  protocol: number,
  payloadLength: number,
): number {
  checkOffset("writeIpv4Header", "offset", target, offset, 0);
  checkLength("writeIpv4Header", "payloadLength", payloadLength);
  const headerLength = ipv4HeaderLength(fields);
  const totalLength = headerLength + payloadLength;
  if (totalLength > 0xffff || offset + totalLength > target.length) return 0;
  const fragmentWord =
    (fields.dontFragment === true ? 0x4000 : 0) |
    (fields.moreFragments === true ? 0x2000 : 0) |
    ((fields.fragmentOffset ?? 0) & 0x1fff);
  const identification = fields.identification ?? 0;
  target[offset] = 0x40 | (headerLength >>> 2);
  target[offset + 1] = (((fields.dscp ?? 0) & 0x3f) << 2) | ((fields.ecn ?? 0) & 0x03);
  target[offset + 2] = totalLength >>> 8;
  target[offset + 3] = totalLength & 0xff;
  target[offset + 4] = (identification >>> 8) & 0xff;
  target[offset + 5] = identification & 0xff;
  target[offset + 6] = fragmentWord >>> 8;
  target[offset + 7] = fragmentWord & 0xff;
  target[offset + 8] = (fields.ttl ?? 64) & 0xff;
  target[offset + 9] = protocol & 0xff;
  target[offset + 10] = 0;
  target[offset + 11] = 0;
  writeU32(target, offset + 12, fields.source);
  writeU32(target, offset + 16, fields.destination);
  const options = fields.options;
  if (options !== undefined) {
    target.set(options, offset + IPV4_MIN_HEADER_LENGTH);
    target.fill(0, offset + IPV4_MIN_HEADER_LENGTH + options.length, offset + headerLength);
  }
  const checksum = internetChecksum(target, offset, headerLength);
  target[offset + 10] = checksum >>> 8;
  target[offset + 11] = checksum & 0xff;
  return headerLength;
}
