import { PcapngFormatError } from "./pcapng-reader.js";
import { BlockType, BYTE_ORDER_MAGIC } from "./pcapng-writer.js";

/** One whole block of a pcapng stream: its type and its bytes, lengths included. */
export interface PcapngBlock {
  readonly type: number;
  readonly bytes: Uint8Array;
}

/**
 * The largest block this splitter takes: an Enhanced Packet Block of the largest snap length
 * (0x40000) with room for options. A longer length field is a corrupt stream, not a block to
 * buffer without bound.
 */
export const MAX_STREAMED_BLOCK_LENGTH = 0x40000 + 4096;

/**
 * Cuts a pcapng byte stream that arrives in pieces of any size (a socket, a pipe) into whole
 * blocks, so a reader can stop after a block (the Nth packet) and keep a valid file. The byte
 * order is read from the Section Header Block (draft-ietf-opsawg-pcapng section 4.1); a stream
 * must start with one. Throws `PcapngFormatError` for bytes that cannot be a pcapng stream.
 */
export class PcapngBlockSplitter {
  #pending: Uint8Array = new Uint8Array(0);
  #littleEndian: boolean | undefined;

  /** Takes the next bytes and returns the blocks they complete, in order (copies). */
  push(chunk: Uint8Array): PcapngBlock[] {
    const bytes = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const blocks: PcapngBlock[] = [];
    let at = 0;
    while (bytes.length - at >= 12) {
      const le = this.#byteOrder(view, at);
      const type = view.getUint32(at, le);
      const length = view.getUint32(at + 4, le);
      // Section 3.1: a block is at least 12 bytes and a multiple of 4 long.
      if (length < 12 || length % 4 !== 0 || length > MAX_STREAMED_BLOCK_LENGTH) {
        throw new PcapngFormatError("BAD_BLOCK", `a block of length ${length}`);
      }
      if (bytes.length - at < length) break;
      if (view.getUint32(at + length - 4, le) !== length) {
        throw new PcapngFormatError("BAD_BLOCK", "a block whose two lengths differ");
      }
      blocks.push({ type, bytes: bytes.slice(at, at + length) });
      at += length;
    }
    this.#pending = bytes.slice(at);
    return blocks;
  }

  /** Bytes received that do not yet make a whole block. */
  get pendingLength(): number {
    return this.#pending.length;
  }

  // The byte order of the block at `at`, whose first 12 bytes have arrived: a Section Header Block
  // sets it with its magic (section 4.1), and the blocks after it follow.
  #byteOrder(view: DataView, at: number): boolean {
    const isSection = view.getUint32(at, true) === BlockType.SectionHeader;
    if (!isSection) {
      if (this.#littleEndian === undefined) {
        throw new PcapngFormatError("NOT_PCAPNG", "the stream does not start with a section");
      }
      return this.#littleEndian;
    }
    if (view.getUint32(at + 8, true) === BYTE_ORDER_MAGIC) this.#littleEndian = true;
    else if (view.getUint32(at + 8, false) === BYTE_ORDER_MAGIC) this.#littleEndian = false;
    else throw new PcapngFormatError("NOT_PCAPNG", "the byte-order magic is not 0x1A2B3C4D");
    return this.#littleEndian;
  }
}

function concat(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}
