import { checkByteSpan, checkOffset } from "./byte-range.js";
import { OptionCursor, pointCursor } from "./option-cursor.js";

export const TcpOptionKind = {
  endOfList: 0,
  noOperation: 1,
  maximumSegmentSize: 2,
  windowScale: 3,
  sackPermitted: 4,
  sack: 5,
  timestamps: 8,
} as const;

export const TCP_MAX_OPTIONS_LENGTH = 40;
/** 40 option bytes hold at most four SACK blocks (2 + 4 × 8 = 34). */
export const TCP_MAX_SACK_BLOCKS = 4;

/** `"bad-length"`: an option's length byte is impossible for its kind or runs past the header. */
export type TcpOptionsStatus = "ok" | "bad-length";

/**
 * The options of one TCP header, decoded by `readTcpOptions`. Allocate one and reuse it for every
 * segment: reading fills it in place and allocates nothing. Absent options read as `undefined`.
 */
export class TcpOptions {
  status: TcpOptionsStatus = "ok";
  maximumSegmentSize: number | undefined = undefined;
  windowScale: number | undefined = undefined;
  sackPermitted = false;
  /** Number of SACK blocks in `sackBlocks`. */
  sackBlockCount = 0;
  /** Left and right edges of each SACK block: [left0, right0, left1, right1, ...]. */
  readonly sackBlocks = new Uint32Array(TCP_MAX_SACK_BLOCKS * 2);
  timestampValue: number | undefined = undefined;
  timestampEchoReply: number | undefined = undefined;
  /** Options of kinds this reader does not know, skipped by their length. */
  unknownCount = 0;

  clear(): void {
    this.status = "ok";
    this.maximumSegmentSize = undefined;
    this.windowScale = undefined;
    this.sackPermitted = false;
    this.sackBlockCount = 0;
    this.timestampValue = undefined;
    this.timestampEchoReply = undefined;
    this.unknownCount = 0;
  }
}

const cursor = new OptionCursor();

function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
  );
}

/**
 * Decodes the TCP options in `bytes[start .. end)` into `into`. Known kinds with a wrong length,
 * and any option whose length runs past `end`, stop the walk with `status` `"bad-length"` and a
 * false result (fields decoded before the bad option stay set). Unknown kinds are counted and
 * skipped by their length. Throws a RangeError unless `start` and `end` are integers with
 * `0 <= start <= end <= bytes.length`.
 */
export function readTcpOptions(
  bytes: Uint8Array,
  start: number,
  end: number,
  into: TcpOptions,
): boolean {
  checkByteSpan("readTcpOptions", bytes, start, end);
  into.clear();
  pointCursor(cursor, bytes, start, end);
  while (cursor.next()) {
    const at = cursor.valueOffset;
    const length = cursor.valueLength;
    switch (cursor.kind) {
      case TcpOptionKind.maximumSegmentSize:
        if (length !== 2) return fail(into);
        into.maximumSegmentSize = (bytes[at]! << 8) | bytes[at + 1]!;
        break;
      case TcpOptionKind.windowScale:
        if (length !== 1) return fail(into);
        into.windowScale = bytes[at]!;
        break;
      case TcpOptionKind.sackPermitted:
        if (length !== 0) return fail(into);
        into.sackPermitted = true;
        break;
      case TcpOptionKind.sack: {
        const blocks = length / 8;
        if (length === 0 || (length & 7) !== 0 || blocks > TCP_MAX_SACK_BLOCKS) return fail(into);
        for (let i = 0; i < blocks * 2; i++) into.sackBlocks[i] = readU32(bytes, at + i * 4);
        into.sackBlockCount = blocks;
        break;
      }
      case TcpOptionKind.timestamps:
        if (length !== 8) return fail(into);
        into.timestampValue = readU32(bytes, at);
        into.timestampEchoReply = readU32(bytes, at + 4);
        break;
      default:
        into.unknownCount++;
    }
  }
  if (cursor.status === "bad-length") return fail(into);
  return true;
}

function fail(into: TcpOptions): false {
  into.status = "bad-length";
  return false;
}

/** Options for `writeTcpOptions`; omitted ones are not written. */
export interface TcpOptionFields {
  readonly maximumSegmentSize?: number | undefined;
  /** Shift count, 0..14 (RFC 7323 §2.3). */
  readonly windowScale?: number | undefined;
  readonly sackPermitted?: boolean | undefined;
  /** [left, right] edges; at most four blocks, fewer with timestamps. */
  readonly sackBlocks?: readonly (readonly [left: number, right: number])[] | undefined;
  readonly timestamp?: { readonly value: number; readonly echoReply: number } | undefined;
}

/**
 * The bytes `writeTcpOptions` writes, a multiple of 4. Throws RangeError when the options do not
 * fit in TCP's 40 option bytes (a programming error).
 */
export function tcpOptionsLength(options: TcpOptionFields): number {
  let length = 0;
  if (options.maximumSegmentSize !== undefined) length += 4;
  // SACK-permitted shares a word with timestamps, else takes a padded word of its own.
  if (options.timestamp !== undefined) length += 12;
  else if (options.sackPermitted === true) length += 4;
  if (options.windowScale !== undefined) length += 4;
  const sackBlocks = options.sackBlocks?.length ?? 0;
  if (sackBlocks > 0) length += 4 + sackBlocks * 8;
  if (sackBlocks > TCP_MAX_SACK_BLOCKS || length > TCP_MAX_OPTIONS_LENGTH) {
    throw new RangeError(`these TCP options need ${length} bytes; a header holds at most 40`);
  }
  return length;
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value >>> 24;
  bytes[at + 1] = (value >>> 16) & 0xff;
  bytes[at + 2] = (value >>> 8) & 0xff;
  bytes[at + 3] = value & 0xff;
}

/**
 * Writes options at `target[offset]` in the layout Linux uses (MSS; SACK-permitted with
 * timestamps, or NOP-padded; NOP + window scale; NOP NOP + SACK blocks), each aligned to 4 bytes.
 * Returns the bytes written (`tcpOptionsLength(options)`). Throws a RangeError when they do not
 * fit at `target[offset]` or `offset` is not an integer.
 */
export function writeTcpOptions(
  target: Uint8Array,
  offset: number,
  options: TcpOptionFields,
): number {
  checkOffset("writeTcpOptions", "offset", target, offset, tcpOptionsLength(options));
  let at = offset;
  if (options.maximumSegmentSize !== undefined) {
    target[at] = TcpOptionKind.maximumSegmentSize;
    target[at + 1] = 4;
    target[at + 2] = (options.maximumSegmentSize >>> 8) & 0xff;
    target[at + 3] = options.maximumSegmentSize & 0xff;
    at += 4;
  }
  const timestamp = options.timestamp;
  if (timestamp !== undefined) {
    if (options.sackPermitted === true) {
      target[at] = TcpOptionKind.sackPermitted;
      target[at + 1] = 2;
    } else {
      target[at] = TcpOptionKind.noOperation;
      target[at + 1] = TcpOptionKind.noOperation;
    }
    target[at + 2] = TcpOptionKind.timestamps;
    target[at + 3] = 10;
    writeU32(target, at + 4, timestamp.value);
    writeU32(target, at + 8, timestamp.echoReply);
    at += 12;
  } else if (options.sackPermitted === true) {
    target[at] = TcpOptionKind.noOperation;
    target[at + 1] = TcpOptionKind.noOperation;
    target[at + 2] = TcpOptionKind.sackPermitted;
    target[at + 3] = 2;
    at += 4;
  }
  if (options.windowScale !== undefined) {
    target[at] = TcpOptionKind.noOperation;
    target[at + 1] = TcpOptionKind.windowScale;
    target[at + 2] = 3;
    target[at + 3] = options.windowScale & 0xff;
    at += 4;
  }
  const sackBlocks = options.sackBlocks ?? [];
  if (sackBlocks.length > 0) {
    target[at] = TcpOptionKind.noOperation;
    target[at + 1] = TcpOptionKind.noOperation;
    target[at + 2] = TcpOptionKind.sack;
    target[at + 3] = 2 + sackBlocks.length * 8;
    at += 4;
    for (const [left, right] of sackBlocks) {
      writeU32(target, at, left);
      writeU32(target, at + 4, right);
      at += 8;
    }
  }
  return at - offset;
}
