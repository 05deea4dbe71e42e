/**
 * The pcapng blocks a capture needs, written little-endian (readers learn the byte order from the
 * Section Header Block's magic, draft-ietf-opsawg-pcapng section 4.1). Section numbers below are
 * those of draft-ietf-opsawg-pcapng.
 */

/** Block types (section 11.1, "Block Type Codes"). */
export const BlockType = {
  SectionHeader: 0x0a0d0d0a,
  InterfaceDescription: 0x00000001,
  EnhancedPacket: 0x00000006,
} as const;

/** Section 4.1: written in the file's byte order, so a reader can tell which one it is. */
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** LINKTYPE_RAW: the packet starts with an IPv4 or IPv6 header, as tun devices and wintun give. */
export const LINKTYPE_RAW = 101;

/** Direction bits of `epb_flags` (section 4.3.1): bits 0-1, 00 unknown, 01 inbound, 10 outbound. */
export const PacketDirection = {
  Unknown: 0,
  Inbound: 1,
  Outbound: 2,
} as const;
export type PacketDirection = (typeof PacketDirection)[keyof typeof PacketDirection];

/** Option codes (section 3.5 for the common ones; 4.1, 4.2 and 4.3 for each block's). */
export const OptionCode = {
  EndOfOptions: 0,
  Comment: 1,
  ShbUserApplication: 4,
  IfName: 2,
  IfTimestampResolution: 9,
  EpbFlags: 2,
} as const;

/** The most bytes of one packet a capture can keep: 0x40000 is libpcap's MAXIMUM_SNAPLEN. */
export const MAX_SNAP_LENGTH = 0x40000;

/** 10^-9 s: the `if_tsresol` value (section 4.2, option 9) for nanosecond timestamps. */
export const NANOSECOND_RESOLUTION = 9;

/** Fixed part of an Enhanced Packet Block: type, length, interface, 2 × timestamp, 2 × length. */
const EPB_HEADER_LENGTH = 28;
/** Its `epb_flags` option (4-byte header + 4-byte value), opt_endofopt, and the trailing length. */
const EPB_TRAILER_LENGTH = 8 + 4 + 4;

const encoder = new TextEncoder();

/** Section 3.1: every block and every option value is padded to a multiple of 32 bits. */
export function padded(length: number): number {
  return (length + 3) & ~3;
}

export interface SectionHeaderOptions {
  /** `shb_userappl` (section 4.1, option 4): the application that wrote the file. */
  readonly application?: string;
}

/**
 * A Section Header Block (section 4.1): version 1.0, section length -1 ("not specified", as a
 * streamed capture cannot know it), and optionally `shb_userappl`.
 */
export function sectionHeaderBlock(options: SectionHeaderOptions = {}): Uint8Array {
  const stringOptions: [number, Uint8Array][] = [];
  if (options.application !== undefined) {
    stringOptions.push([OptionCode.ShbUserApplication, encoder.encode(options.application)]);
  }
  return block(BlockType.SectionHeader, 16, stringOptions, (view) => {
    view.setUint32(8, BYTE_ORDER_MAGIC, true);
    view.setUint16(12, 1, true); // major version
    view.setUint16(14, 0, true); // minor version
    view.setBigInt64(16, -1n, true); // section length: not specified
  });
}

export interface InterfaceDescriptionOptions {
  /** A LINKTYPE_ value (section 4.2; the registry is draft-ietf-opsawg-pcaplinktype). */
  readonly linkType: number;
  /** Bytes kept of each packet at most; 0 means no limit (section 4.2). */
  readonly snapLength: number;
  /** `if_name` (section 4.2, option 2). */
  readonly name?: string;
  /**
   * `if_tsresol` (section 4.2, option 9) as a power of ten: 6 (microseconds, the default when the
   * option is absent, so then it is not written) or 9 (nanoseconds).
   */
  readonly timestampResolution?: number;
}

/** An Interface Description Block (section 4.2). Packets name it by its index in the section. */
export function interfaceDescriptionBlock(options: InterfaceDescriptionOptions): Uint8Array {
  const resolution = options.timestampResolution ?? 6;
  if (!Number.isInteger(resolution) || resolution < 0 || resolution > 127) {
    throw new RangeError(`timestampResolution ${resolution}: a power of ten from 0 to 127`);
  }
  const valueOptions: [number, Uint8Array][] = [];
  if (options.name !== undefined) {
    valueOptions.push([OptionCode.IfName, encoder.encode(options.name)]);
  }
  // Bit 7 clear: the value is a negative power of ten (section 4.2, if_tsresol).
  if (resolution !== 6)
    valueOptions.push([OptionCode.IfTimestampResolution, Uint8Array.of(resolution)]);
  return block(BlockType.InterfaceDescription, 8, valueOptions, (view) => {
    view.setUint16(8, options.linkType, true);
    view.setUint16(10, 0, true); // reserved, must be 0
    view.setUint32(12, options.snapLength, true);
  });
}

/** Bytes an Enhanced Packet Block takes for `capturedLength` bytes of packet data. */
export function enhancedPacketBlockLength(capturedLength: number): number {
  return EPB_HEADER_LENGTH + padded(capturedLength) + EPB_TRAILER_LENGTH;
}

/**
 * What an Enhanced Packet Block says besides the packet. A caller writing many packets keeps one
 * and changes its fields, so writing a packet allocates nothing.
 */
export interface EnhancedPacketHeader {
  /** The index of its Interface Description Block in the section. */
  interfaceId: number;
  /** The timestamp in units of the interface's `if_tsresol`, as its upper and lower 32 bits. */
  timestampHigh: number;
  timestampLow: number;
  direction: PacketDirection;
}

/** Sets the header's timestamp from a count of the interface's time units (section 4.3). */
export function setTimestamp(header: EnhancedPacketHeader, units: bigint): void {
  header.timestampHigh = Number(BigInt.asUintN(32, units >> 32n));
  header.timestampLow = Number(BigInt.asUintN(32, units));
}

/**
 * Writes an Enhanced Packet Block (section 4.3) at `offset` of `target`: the first
 * `capturedLength` bytes of `data`, for a packet that was `originalLength` bytes long, with an
 * `epb_flags` option carrying the direction. Returns the offset after the block; `target` must
 * have `enhancedPacketBlockLength(capturedLength)` bytes there (a RangeError otherwise).
 */
export function writeEnhancedPacketBlock(
  target: Uint8Array,
  offset: number,
  header: EnhancedPacketHeader,
  data: Uint8Array,
  capturedLength: number,
  originalLength: number,
): number {
  const length = enhancedPacketBlockLength(capturedLength);
  if (offset < 0 || offset + length > target.length || capturedLength > data.length) {
    throw new RangeError(`an Enhanced Packet Block of ${length} bytes does not fit at ${offset}`);
  }
  const b = target;
  putUint32(b, offset, BlockType.EnhancedPacket);
  putUint32(b, offset + 4, length);
  putUint32(b, offset + 8, header.interfaceId);
  putUint32(b, offset + 12, header.timestampHigh);
  putUint32(b, offset + 16, header.timestampLow);
  putUint32(b, offset + 20, capturedLength);
  putUint32(b, offset + 24, originalLength);
  b.set(data.subarray(0, capturedLength), offset + EPB_HEADER_LENGTH);
  let at = offset + EPB_HEADER_LENGTH + capturedLength;
  // Section 3.1: padding bytes are written as zeroes.
  for (const end = offset + EPB_HEADER_LENGTH + padded(capturedLength); at < end; at++) b[at] = 0;
  putUint16(b, at, OptionCode.EpbFlags);
  putUint16(b, at + 2, 4);
  putUint32(b, at + 4, header.direction & 3);
  putUint32(b, at + 8, 0); // opt_endofopt: code 0, length 0
  putUint32(b, at + 12, length);
  return offset + length;
}

// Byte by byte, so no DataView is made per target buffer: a capture writes into a few
// preallocated buffers but may be handed any Uint8Array.
function putUint32(target: Uint8Array, at: number, value: number): void {
  target[at] = value & 0xff;
  target[at + 1] = (value >>> 8) & 0xff;
  target[at + 2] = (value >>> 16) & 0xff;
  target[at + 3] = (value >>> 24) & 0xff;
}

function putUint16(target: Uint8Array, at: number, value: number): void {
  target[at] = value & 0xff;
  target[at + 1] = (value >>> 8) & 0xff;
}

// Section 3.1's layout: type, total length, body (fixed part, then options), total length again.
// Options (section 3.5) are code, length, value padded to 32 bits, ended by opt_endofopt.
function block(
  type: number,
  fixedLength: number,
  options: readonly [number, Uint8Array][],
  writeFixed: (view: DataView) => void,
): Uint8Array {
  const optionsLength =
    options.length === 0
      ? 0
      : options.reduce((sum, [, value]) => sum + 4 + padded(value.length), 0) + 4;
  const length = 8 + fixedLength + optionsLength + 4;
  const bytes = new Uint8Array(length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, length, true);
  writeFixed(view);
  let at = 8 + fixedLength;
  for (const [code, value] of options) {
    view.setUint16(at, code, true);
    view.setUint16(at + 2, value.length, true);
    bytes.set(value, at + 4);
    at += 4 + padded(value.length);
  }
  if (options.length > 0) at += 4; // opt_endofopt: already zero
  view.setUint32(at, length, true);
  return bytes;
}
