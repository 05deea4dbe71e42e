import { checkLength, checkOffset } from "./byte-range.js";
import { IpProtocol } from "./ip-protocol.js";
import { ipv6PseudoHeaderSum } from "./pseudo-header.js";

export const IPV6_HEADER_LENGTH = 40;
/** `Ipv6View` refuses longer chains and the builder writes none; real packets carry two or three. */
export const IPV6_MAX_EXTENSION_HEADERS = 16;

/** Why `Ipv6View.wrap` refused a buffer, or `"ok"`. */
export type Ipv6Status =
  | "ok"
  | "truncated"
  | "bad-version"
  | "bad-payload-length"
  | "bad-extension-header"
  | "too-many-extension-headers";

/**
 * A zero-copy view of an IPv6 packet (RFC 8200): the fixed header, and the chain of hop-by-hop,
 * routing, fragment and destination-options headers walked once by `wrap()` to find the
 * upper-layer protocol and where it starts. Re-point one view at each packet: parsing allocates
 * nothing. Addresses stay in the buffer at `sourceOffset` and `destinationOffset`.
 */
export class Ipv6View {
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  /** The result of the last `wrap()`. The other fields are meaningful only when it is `"ok"`. */
  status: Ipv6Status = "truncated";
  /**
   * The protocol after the last extension header (6 TCP, 17 UDP, 58 ICMPv6, 59 none, ...); in a
   * fragment other than the first, the Fragment header's Next Header: what the fragment data
   * continues (RFC 8200 §4.5).
   */
  upperLayerProtocol = 0;
  /** Where the upper-layer header starts in `bytes`. */
  upperLayerOffset = 0;
  /** Bytes from `upperLayerOffset` to the end of the payload. */
  upperLayerLength = 0;
  extensionHeaderCount = 0;
  hasRoutingHeader = false;
  hasFragmentHeader = false;
  /** From the fragment header, when there is one: offset in units of 8 bytes. */
  fragmentOffset = 0;
  moreFragments = false;
  fragmentIdentification = 0;

  /**
   * Points the view at `bytes[offset .. offset + length)`, checks the fixed header and payload
   * length, and walks the extension headers. Returns false (with `status` saying why) for a
   * truncated packet (or an `offset` or `length` that is negative, fractional or NaN), a payload
   * length beyond the buffer, an extension header running past the payload, a Next Header of 0
   * (Hop-by-Hop Options) anywhere but in the fixed header (RFC 8200 §4.1), or more than 16
   * extension headers. The walk stops after the Fragment header of a fragment other than the
   * first, since fragment data follows it (RFC 8200 §4.5). Any other order or repetition of
   * headers is accepted, as RFC 8200 §4.1 requires of receivers.
   */
  wrap(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    this.bytes = bytes;
    this.offset = offset;
    this.extensionHeaderCount = 0;
    this.hasRoutingHeader = false;
    this.hasFragmentHeader = false;
    this.fragmentOffset = 0;
    this.moreFragments = false;
    this.fragmentIdentification = 0;
    // A negative, fractional or NaN offset or length is refused as truncated; checked inline
    // because a call to a shared helper cost more than the check itself on this per-packet path.
    const available =
      Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0
        ? Math.min(length, bytes.length - offset)
        : -1;
    if (!(available >= IPV6_HEADER_LENGTH)) return this.#refuse("truncated");
    if (bytes[offset]! >>> 4 !== 6) return this.#refuse("bad-version");
    const end = offset + IPV6_HEADER_LENGTH + ((bytes[offset + 4]! << 8) | bytes[offset + 5]!);
    if (end > offset + available) return this.#refuse("bad-payload-length");

    let nextHeader = bytes[offset + 6]!;
    let position = offset + IPV6_HEADER_LENGTH;
    for (;;) {
      // RFC 8200 §4.1: a Hop-by-Hop Options header may only come straight after the IPv6 header.
      if (nextHeader === IpProtocol.hopByHopOptions && this.extensionHeaderCount !== 0) {
        return this.#refuse("bad-extension-header");
      }
      // RFC 8200 §4.5: in a fragment other than the first, what follows the Fragment header is
      // fragment data; its Next Header names the first header of the fragmentable part.
      if (this.fragmentOffset !== 0) break;
      let headerLength: number;
      if (
        nextHeader === IpProtocol.hopByHopOptions ||
        nextHeader === IpProtocol.routing ||
        nextHeader === IpProtocol.destinationOptions
      ) {
        if (position + 2 > end) return this.#refuse("bad-extension-header");
        headerLength = (bytes[position + 1]! + 1) * 8;
        if (nextHeader === IpProtocol.routing) this.hasRoutingHeader = true;
      } else if (nextHeader === IpProtocol.fragment) {
        headerLength = 8;
        if (position + headerLength > end) return this.#refuse("bad-extension-header");
        const fragmentWord = (bytes[position + 2]! << 8) | bytes[position + 3]!;
        this.hasFragmentHeader = true;
        this.fragmentOffset = fragmentWord >>> 3;
        this.moreFragments = (fragmentWord & 1) === 1;
        this.fragmentIdentification =
          ((bytes[position + 4]! << 24) |
            (bytes[position + 5]! << 16) |
            (bytes[position + 6]! << 8) |
            bytes[position + 7]!) >>>
          0;
      } else {
        break;
      }
      if (position + headerLength > end) return this.#refuse("bad-extension-header");
      if (this.extensionHeaderCount === IPV6_MAX_EXTENSION_HEADERS) {
        return this.#refuse("too-many-extension-headers");
      }
      this.extensionHeaderCount++;
      nextHeader = bytes[position]!;
      position += headerLength;
    }
    this.upperLayerProtocol = nextHeader;
    this.upperLayerOffset = position;
    this.upperLayerLength = end - position;
    this.status = "ok";
    return true;
  }

  #refuse(status: Ipv6Status): false {
    this.status = status;
    return false;
  }

  get version(): number {
    return this.bytes[this.offset]! >>> 4;
  }
  get trafficClass(): number {
    return ((this.bytes[this.offset]! & 0x0f) << 4) | (this.bytes[this.offset + 1]! >>> 4);
  }
  get dscp(): number {
    return this.trafficClass >>> 2;
  }
  get ecn(): number {
    return this.trafficClass & 0x03;
  }
  get flowLabel(): number {
    const bytes = this.bytes;
    const at = this.offset;
    return ((bytes[at + 1]! & 0x0f) << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
  }
  /** Everything after the fixed header, extension headers included. */
  get payloadLength(): number {
    return (this.bytes[this.offset + 4]! << 8) | this.bytes[this.offset + 5]!;
  }
  /** The next-header field of the fixed header (the first extension header, if any). */
  get nextHeader(): number {
    return this.bytes[this.offset + 6]!;
  }
  get hopLimit(): number {
    return this.bytes[this.offset + 7]!;
  }
  get sourceOffset(): number {
    return this.offset + 8;
  }
  get destinationOffset(): number {
    return this.offset + 24;
  }
  /** True when a fragment header says this is not a whole packet (RFC 8200 §4.5 atomic fragments are whole). */
  get isFragment(): boolean {
    return this.hasFragmentHeader && (this.fragmentOffset !== 0 || this.moreFragments);
  }

  /** The unfolded pseudo-header sum for the upper-layer checksum (UDP, TCP, ICMPv6). */
  pseudoHeaderSum(): number {
    return ipv6PseudoHeaderSum(
      this.bytes,
      this.offset,
      this.upperLayerProtocol,
      this.upperLayerLength,
    );
  }

  /** Sets the hop limit (IPv6 has no header checksum to update). */
  setHopLimit(hopLimit: number): void {
    this.bytes[this.offset + 7] = hopLimit & 0xff;
  }

  /** Exchanges source and destination; pseudo-header sums do not change. */
  swapAddresses(): void {
    const bytes = this.bytes;
    const source = this.offset + 8;
    for (let i = 0; i < 16; i++) {
      const byte = bytes[source + i]!;
      bytes[source + i] = bytes[source + 16 + i]!;
      bytes[source + 16 + i] = byte;
    }
  }
}

/** An extension header for `writeIpv6Header`. */
export type Ipv6ExtensionHeader =
  | {
      /** Hop-by-hop options (0), routing (43) or destination options (60). */
      readonly type: 0 | 43 | 60;
      /** The bytes after next-header and length, zero-padded (Pad1 options) to 8n − 2 bytes. */
      readonly data: Uint8Array;
    }
  | {
      readonly type: 44;
      /** In units of 8 bytes. */
      readonly fragmentOffset: number;
      readonly moreFragments: boolean;
      readonly identification: number;
    };

/** What `writeIpv6Header` writes. Omitted fields take the defaults in brackets. */
export interface Ipv6HeaderFields {
  /** 16 bytes. */
  readonly source: Uint8Array;
  /** 16 bytes. */
  readonly destination: Uint8Array;
  /** The upper-layer protocol, written after the last extension header. */
  readonly protocol: number;
  /** [0] */
  readonly trafficClass?: number | undefined;
  /** [0] */
  readonly flowLabel?: number | undefined;
  /** [64] */
  readonly hopLimit?: number | undefined;
  /** [none] */
  readonly extensionHeaders?: readonly Ipv6ExtensionHeader[] | undefined;
}

/** The most data bytes one hop-by-hop, routing or destination-options header holds: 2048 − 2. */
const MAX_EXTENSION_DATA_LENGTH = 2046;

function extensionHeaderError(index: number, problem: string): RangeError {
  return new RangeError(`extensionHeaders[${index}]${problem}`);
}

/**
 * Checks one header of a chain of `count` against the rules the parser (`Ipv6View.wrap`) applies,
 * so whatever the builder writes parses back as the same chain; returns its length in bytes.
 */
function checkedExtensionHeaderLength(
  header: Ipv6ExtensionHeader,
  index: number,
  count: number,
): number {
  const type: number = header.type;
  if (type === IpProtocol.fragment) {
    const fragment = header as Extract<Ipv6ExtensionHeader, { type: 44 }>;
    const { fragmentOffset, identification } = fragment;
    if (!(Number.isInteger(fragmentOffset) && fragmentOffset >= 0 && fragmentOffset <= 0x1fff)) {
      throw extensionHeaderError(
        index,
        `.fragmentOffset must be an integer from 0 to 8191 (units of 8 bytes), got ${String(fragmentOffset)}`,
      );
    }
    if (typeof fragment.moreFragments !== "boolean") {
      throw new TypeError(
        `extensionHeaders[${index}].moreFragments must be a boolean, got ${typeof fragment.moreFragments}`,
      );
    }
    if (
      !(Number.isInteger(identification) && identification >= 0 && identification <= 0xffffffff)
    ) {
      throw extensionHeaderError(
        index,
        `.identification must be an integer from 0 to 4294967295, got ${String(identification)}`,
      );
    }
    // RFC 8200 §4.5: in a fragment other than the first, fragment data follows the Fragment
    // header, so no extension header can come after it.
    if (fragmentOffset !== 0 && index !== count - 1) {
      throw extensionHeaderError(
        index,
        ` is the Fragment header of a fragment other than the first (offset ${fragmentOffset}): fragment data follows it, so it must be the last extension header (RFC 8200 §4.5)`,
      );
    }
    return 8;
  }
  if (
    type !== IpProtocol.hopByHopOptions &&
    type !== IpProtocol.routing &&
    type !== IpProtocol.destinationOptions
  ) {
    throw extensionHeaderError(
      index,
      `.type must be 0 (Hop-by-Hop Options), 43 (Routing), 44 (Fragment) or 60 (Destination Options), got ${String(type)}`,
    );
  }
  // RFC 8200 §4.1: Hop-by-Hop Options only straight after the IPv6 header.
  if (type === IpProtocol.hopByHopOptions && index !== 0) {
    throw extensionHeaderError(
      index,
      " is a Hop-by-Hop Options header (0), which may only come first, straight after the IPv6 header (RFC 8200 §4.1)",
    );
  }
  const data = (header as Extract<Ipv6ExtensionHeader, { type: 0 | 43 | 60 }>).data;
  if (!(data instanceof Uint8Array)) {
    throw new TypeError(`extensionHeaders[${index}].data must be a Uint8Array`);
  }
  if (data.length > MAX_EXTENSION_DATA_LENGTH) {
    throw extensionHeaderError(
      index,
      `.data holds ${data.length} bytes; an extension header holds at most ${MAX_EXTENSION_DATA_LENGTH} (its length byte counts 8-byte units after the first)`,
    );
  }
  return (data.length + 2 + 7) & ~7;
}

/**
 * The bytes `writeIpv6Header` will write: the fixed header and every extension header. Throws a
 * RangeError (TypeError for a field of the wrong type) for a chain `Ipv6View` would refuse or read
 * differently: more than `IPV6_MAX_EXTENSION_HEADERS` headers, a type other than 0, 43, 44 or 60,
 * Hop-by-Hop Options anywhere but first (RFC 8200 §4.1), any header after the Fragment header of
 * a fragment other than the first (RFC 8200 §4.5), data over 2046 bytes, or fragment fields out of
 * range.
 */
export function ipv6HeaderLength(fields: Pick<Ipv6HeaderFields, "extensionHeaders">): number {
  const headers = fields.extensionHeaders ?? [];
  const count = headers.length;
  // RFC 8200 sets no limit; RFC 8883 lets a node discard a packet past its own ("too many
  // extension headers", Parameter Problem code 8). The parser stops at this one, so we do too.
  if (count > IPV6_MAX_EXTENSION_HEADERS) {
    throw new RangeError(
      `extensionHeaders holds ${count} headers; at most ${IPV6_MAX_EXTENSION_HEADERS} are allowed`,
    );
  }
  let length = IPV6_HEADER_LENGTH;
  for (let index = 0; index < count; index++) {
    length += checkedExtensionHeaderLength(headers[index]!, index, count);
  }
  return length;
}

/**
 * Checks `protocol`, the value written after the last extension header: an extension-header type
 * there would have the parser read the upper-layer bytes as one more header, unless the chain ends
 * with the Fragment header of a fragment other than the first (RFC 8200 §4.5: there it names the
 * first header of the fragment data). Zero is refused everywhere (RFC 8200 §4.1).
 */
function checkProtocol(
  where: string,
  protocol: number,
  last: Ipv6ExtensionHeader | undefined,
): void {
  if (!(Number.isInteger(protocol) && protocol >= 0 && protocol <= 255)) {
    throw new RangeError(
      `${where}: protocol must be an integer from 0 to 255, got ${String(protocol)}`,
    );
  }
  if (protocol === IpProtocol.hopByHopOptions) {
    throw new RangeError(
      `${where}: protocol 0 is Hop-by-Hop Options, an extension header allowed only straight after the IPv6 header (RFC 8200 §4.1): give it as extensionHeaders[0]`,
    );
  }
  const afterLaterFragment = last?.type === IpProtocol.fragment && last.fragmentOffset !== 0;
  if (
    !afterLaterFragment &&
    (protocol === IpProtocol.routing ||
      protocol === IpProtocol.fragment ||
      protocol === IpProtocol.destinationOptions)
  ) {
    throw new RangeError(
      `${where}: protocol ${protocol} is an extension header: put it in extensionHeaders, and give the protocol after it`,
    );
  }
}

/**
 * Writes the IPv6 fixed header and extension headers at `target[offset]` for an upper-layer
 * payload of `upperLayerLength` bytes, chaining next-header values and filling payload length.
 * Returns the bytes written, or 0 when headers and payload would not fit in `target` or the
 * payload length would exceed 65535. Throws RangeError for programming errors: an address that is
 * not 16 bytes, an `offset` or `upperLayerLength` that is not a non-negative integer, a
 * `protocol` outside 0..255 or one that is an extension header, and the chains `ipv6HeaderLength`
 * refuses.
 */
export function writeIpv6Header(
  target: Uint8Array,
  offset: number,
  fields: Ipv6HeaderFields,
  upperLayerLength: number,
): number {
  return writeIpv6HeaderWithProtocol(target, offset, fields, fields.protocol, upperLayerLength);
}

/** `writeIpv6Header` with the protocol apart, so builders need not copy the caller's fields. */
export function writeIpv6HeaderWithProtocol(
  target: Uint8Array,
  offset: number,
  fields: Omit<Ipv6HeaderFields, "protocol">,
  protocol: number,
  upperLayerLength: number,
): number {
  const where = "writeIpv6Header";
  if (fields.source.length !== 16 || fields.destination.length !== 16) {
    throw new RangeError(`${where}: IPv6 addresses are 16 bytes`);
  }
  checkOffset(where, "offset", target, offset, 0);
  checkLength(where, "upperLayerLength", upperLayerLength);
  const headerLength = ipv6HeaderLength(fields);
  const extensionHeaders = fields.extensionHeaders ?? [];
  checkProtocol(where, protocol, extensionHeaders[extensionHeaders.length - 1]);
  const payloadLength = headerLength - IPV6_HEADER_LENGTH + upperLayerLength;
  if (payloadLength > 0xffff || offset + headerLength + upperLayerLength > target.length) return 0;
  const trafficClass = (fields.trafficClass ?? 0) & 0xff;
  const flowLabel = (fields.flowLabel ?? 0) & 0xfffff;
  target[offset] = 0x60 | (trafficClass >>> 4);
  target[offset + 1] = ((trafficClass & 0x0f) << 4) | (flowLabel >>> 16);
  target[offset + 2] = (flowLabel >>> 8) & 0xff;
  target[offset + 3] = flowLabel & 0xff;
  target[offset + 4] = payloadLength >>> 8;
  target[offset + 5] = payloadLength & 0xff;
  target[offset + 6] = extensionHeaders[0]?.type ?? protocol;
  target[offset + 7] = (fields.hopLimit ?? 64) & 0xff;
  target.set(fields.source, offset + 8);
  target.set(fields.destination, offset + 24);

  let position = offset + IPV6_HEADER_LENGTH;
  for (let index = 0; index < extensionHeaders.length; index++) {
    const header = extensionHeaders[index]!;
    const length = header.type === IpProtocol.fragment ? 8 : (header.data.length + 2 + 7) & ~7;
    target[position] = extensionHeaders[index + 1]?.type ?? protocol;
    if (header.type === IpProtocol.fragment) {
      const fragmentWord = (header.fragmentOffset << 3) | (header.moreFragments ? 1 : 0);
      target[position + 1] = 0;
      target[position + 2] = fragmentWord >>> 8;
      target[position + 3] = fragmentWord & 0xff;
      const identification = header.identification;
      target[position + 4] = identification >>> 24;
      target[position + 5] = (identification >>> 16) & 0xff;
      target[position + 6] = (identification >>> 8) & 0xff;
      target[position + 7] = identification & 0xff;
    } else {
      target[position + 1] = length / 8 - 1;
      target.set(header.data, position + 2);
      target.fill(0, position + 2 + header.data.length, position + length);
    }
    position += length;
  }
  return headerLength;
}
