import type { OptionCursor } from "./option-cursor.js";
import { readTcpOptions, type TcpOptions } from "./tcp-options.js";

export const TCP_MIN_HEADER_LENGTH = 20;

/** Flag bits of the 13th header byte (RFC 9293 §3.1, RFC 3168 for ECE and CWR). */
export const TcpFlags = {
  fin: 0x01,
  syn: 0x02,
  rst: 0x04,
  psh: 0x08,
  ack: 0x10,
  urg: 0x20,
  ece: 0x40,
  cwr: 0x80,
} as const;

/** Why `TcpView.wrap` refused a buffer, or `"ok"`. */
export type TcpStatus = "ok" | "truncated" | "bad-data-offset";

/**
 * A zero-copy view of a TCP header (RFC 9293). Re-point one view at each segment with `wrap()`;
 * parsing allocates nothing, and options are decoded only when asked for, into a reused
 * `TcpOptions`.
 */
export class TcpView {
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  /** Bytes from `offset` to the end of the segment. */
  length = 0;
  status: TcpStatus = "truncated";

  /**
   * Points the view at the segment in `bytes[offset .. offset + length)`; false when it is shorter
   * than 20 bytes or its data offset is below 5 words or beyond the segment.
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
    this.length = Math.max(available, 0);
    if (!(available >= TCP_MIN_HEADER_LENGTH)) return this.#refuse("truncated");
    const headerLength = (bytes[offset + 12]! >>> 4) * 4;
    if (headerLength < TCP_MIN_HEADER_LENGTH || headerLength > available) {
      return this.#refuse("bad-data-offset");
    }
    this.status = "ok";
    return true;
  }

  #refuse(status: TcpStatus): false {
    this.status = status;
    return false;
  }

  #u16(at: number): number {
    return (this.bytes[this.offset + at]! << 8) | this.bytes[this.offset + at + 1]!;
  }

  #u32(at: number): number {
    return ((this.#u16(at) << 16) | this.#u16(at + 2)) >>> 0;
  }

  get sourcePort(): number {
    return this.#u16(0);
  }
  get destinationPort(): number {
    return this.#u16(2);
  }
  get sequenceNumber(): number {
    return this.#u32(4);
  }
  get acknowledgmentNumber(): number {
    return this.#u32(8);
  }
  /** Header length in 32-bit words. */
  get dataOffset(): number {
    return this.bytes[this.offset + 12]! >>> 4;
  }
  get headerLength(): number {
    return this.dataOffset * 4;
  }
  /** The flag byte; test bits with `TcpFlags`. */
  get flags(): number {
    return this.bytes[this.offset + 13]!;
  }
  get fin(): boolean {
    return (this.flags & TcpFlags.fin) !== 0;
  }
  get syn(): boolean {
    return (this.flags & TcpFlags.syn) !== 0;
  }
  get rst(): boolean {
    return (this.flags & TcpFlags.rst) !== 0;
  }
  get psh(): boolean {
    return (this.flags & TcpFlags.psh) !== 0;
  }
  get ack(): boolean {
    return (this.flags & TcpFlags.ack) !== 0;
  }
  get urg(): boolean {
    return (this.flags & TcpFlags.urg) !== 0;
  }
  get window(): number {
    return this.#u16(14);
  }
  get checksum(): number {
    return this.#u16(16);
  }
  get urgentPointer(): number {
    return this.#u16(18);
  }
  get optionsOffset(): number {
    return this.offset + TCP_MIN_HEADER_LENGTH;
  }
  get optionsLength(): number {
    return this.headerLength - TCP_MIN_HEADER_LENGTH;
  }
  get payloadOffset(): number {
    return this.offset + this.headerLength;
  }
  get payloadLength(): number {
    return this.length - this.headerLength;
  }

  /** Decodes this header's options into `into`; false (and `into.status`) on a bad option length. */
  readOptions(into: TcpOptions): boolean {
    return readTcpOptions(this.bytes, this.optionsOffset, this.payloadOffset, into);
  }

  /** Points `cursor` at this header's raw options. */
  options(cursor: OptionCursor): OptionCursor {
    return cursor.reset(this.bytes, this.optionsOffset, this.payloadOffset);
  }
}
