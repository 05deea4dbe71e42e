import { MagmaError } from "@magma/transport";
import { BlockType, BYTE_ORDER_MAGIC, OptionCode, type PacketDirection } from "./pcapng-writer.js";

export type PcapngFormatErrorCode = "TRUNCATED" | "NOT_PCAPNG" | "BAD_BLOCK";

/** Bytes that are not a pcapng file this reader understands. */
export class PcapngFormatError extends MagmaError<PcapngFormatErrorCode> {
  override readonly name = "PcapngFormatError";
}

export interface PcapngInterface {
  readonly linkType: number;
  readonly snapLength: number;
  readonly name: string | undefined;
  /** `if_tsresol` as a negative power of ten (6 when absent); base-2 values are kept as 128+n. */
  readonly timestampResolution: number;
}

export interface PcapngPacket {
  readonly interfaceId: number;
  /** In the interface's time units (nanoseconds for `timestampResolution` 9). */
  readonly timestamp: bigint;
  readonly originalLength: number;
  /** The captured bytes (a copy): `originalLength` cut to the interface's snap length. */
  readonly data: Uint8Array;
  /** `epb_flags` bits 0-1, or undefined when the block has no `epb_flags`. */
  readonly direction: PacketDirection | undefined;
}

export interface PcapngFile {
  readonly littleEndian: boolean;
  readonly application: string | undefined;
  readonly interfaces: readonly PcapngInterface[];
  readonly packets: readonly PcapngPacket[];
}

const decoder = new TextDecoder();

/**
 * Reads a whole pcapng file of one section: its interfaces and Enhanced Packet Blocks, in either
 * byte order. Other block types are skipped (section 3.1: a reader skips blocks it does not know).
 * Throws `PcapngFormatError` for bytes that do not follow draft-ietf-opsawg-pcapng.
 */
export function readPcapng(bytes: Uint8Array): PcapngFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 28 || view.getUint32(0, true) !== BlockType.SectionHeader) {
    throw new PcapngFormatError("NOT_PCAPNG", "no Section Header Block at the start");
  }
  const magic = view.getUint32(8, true);
  if (magic !== BYTE_ORDER_MAGIC && view.getUint32(8, false) !== BYTE_ORDER_MAGIC) {
    throw new PcapngFormatError("NOT_PCAPNG", "the byte-order magic is not 0x1A2B3C4D");
  }
  const le = magic === BYTE_ORDER_MAGIC;
  let application: string | undefined;
  const interfaces: PcapngInterface[] = [];
  const packets: PcapngPacket[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new PcapngFormatError("TRUNCATED", `block at ${at} is cut`);
    const type = view.getUint32(at, le);
    const length = view.getUint32(at + 4, le);
    // Section 3.1: a block is at least 12 bytes, a multiple of 4, and ends with its length again.
    if (length < 12 || length % 4 !== 0) {
      throw new PcapngFormatError("BAD_BLOCK", `block at ${at} has length ${length}`);
    }
    if (at + length > bytes.length)
      throw new PcapngFormatError("TRUNCATED", `block at ${at} is cut`);
    if (view.getUint32(at + length - 4, le) !== length) {
      throw new PcapngFormatError("BAD_BLOCK", `block at ${at}: its two lengths differ`);
    }
    const end = at + length - 4;
    if (type === BlockType.SectionHeader) {
      if (at !== 0) throw new PcapngFormatError("BAD_BLOCK", "a second section is not supported");
      const options = readOptions(bytes, view, at + 24, end, le);
      const value = options.get(OptionCode.ShbUserApplication);
      application = value === undefined ? undefined : decoder.decode(value);
    } else if (type === BlockType.InterfaceDescription) {
      const options = readOptions(bytes, view, at + 16, end, le);
      const name = options.get(OptionCode.IfName);
      interfaces.push({
        linkType: view.getUint16(at + 8, le),
        snapLength: view.getUint32(at + 12, le),
        name: name === undefined ? undefined : decoder.decode(name),
        timestampResolution: options.get(OptionCode.IfTimestampResolution)?.[0] ?? 6,
      });
    } else if (type === BlockType.EnhancedPacket) {
      const interfaceId = view.getUint32(at + 8, le);
      if (interfaceId >= interfaces.length) {
        throw new PcapngFormatError("BAD_BLOCK", `packet at ${at} names interface ${interfaceId}`);
      }
      const captured = view.getUint32(at + 20, le);
      const dataEnd = at + 28 + captured;
      if (dataEnd > end) throw new PcapngFormatError("BAD_BLOCK", `packet at ${at} overruns`);
      const options = readOptions(bytes, view, at + 28 + ((captured + 3) & ~3), end, le);
      const flags = options.get(OptionCode.EpbFlags);
      packets.push({
        interfaceId,
        timestamp:
          (BigInt(view.getUint32(at + 12, le)) << 32n) | BigInt(view.getUint32(at + 16, le)),
        originalLength: view.getUint32(at + 24, le),
        // A plain Uint8Array copy, also when `bytes` is a Buffer (whose slice() would share it).
        data: new Uint8Array(bytes.subarray(at + 28, dataEnd)),
        direction:
          flags === undefined || flags.length !== 4
            ? undefined
            : ((new DataView(flags.buffer, flags.byteOffset, 4).getUint32(0, le) &
                3) as PacketDirection),
      });
    }
    at += length;
  }
  return { littleEndian: le, application, interfaces, packets };
}

// Section 3.5: code, length, value padded to 32 bits; opt_endofopt or the block's end stops them.
function readOptions(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  le: boolean,
): Map<number, Uint8Array> {
  const options = new Map<number, Uint8Array>();
  let at = start;
  while (at + 4 <= end) {
    const code = view.getUint16(at, le);
    const length = view.getUint16(at + 2, le);
    if (code === OptionCode.EndOfOptions) break;
    if (at + 4 + length > end) throw new PcapngFormatError("BAD_BLOCK", `option at ${at} overruns`);
    if (!options.has(code)) options.set(code, bytes.subarray(at + 4, at + 4 + length));
    at += 4 + ((length + 3) & ~3);
  }
  return options;
}
