/**
 * RFC 1071 Internet checksum.
 *
 * Sums are returned unfolded and uncomplemented (a non-negative integer that may exceed 16 bits) so
 * that callers can chain them (pseudo-header + header + payload) and fold once at the end.
 * Every function reads only `bytes[offset .. offset + length)`, throws a RangeError naming the
 * argument when that range is not inside the array, and allocates nothing in steady state.
 */

import { checkByteRange } from "./byte-range.js";

/** Below this many bytes the setup of the 32-bit path costs more than it saves (measured). */
const WIDE_SUM_THRESHOLD = 128;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// Uint32Array views over whole ArrayBuffers, created once per buffer: a packet pool has a few large
// slabs, so the steady state is one identity comparison and no allocation per checksum.
let lastBuffer: ArrayBufferLike | undefined;
let lastWords: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
const wordViews = new WeakMap<ArrayBufferLike, Uint32Array<ArrayBufferLike>>();

function wordsCovering(buffer: ArrayBufferLike, endWord: number): Uint32Array<ArrayBufferLike> {
  if (buffer === lastBuffer && lastWords.length >= endWord) return lastWords;
  let words = wordViews.get(buffer);
  // A view shorter than needed means the buffer was resized (or is new): make a fresh view.
  if (words === undefined || words.length < endWord) {
    words = new Uint32Array(buffer, 0, buffer.byteLength >>> 2);
    wordViews.set(buffer, words);
  }
  lastBuffer = buffer;
  lastWords = words;
  return words;
}

function swapBytes16(value: number): number {
  return ((value & 0xff) << 8) | (value >>> 8);
}

/** Folds a sum to 16 bits with end-around carry (the one's-complement sum, not complemented). */
export function foldChecksumSum(sum: number): number {
  let folded = sum;
  while (folded > 0xffff) folded = (folded % 0x10000) + Math.floor(folded / 0x10000);
  return folded;
}

/** Sums big-endian 16-bit words two bytes at a time; an odd last byte is padded with zero. */
function sumWords16(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  let i = offset;
  const end8 = offset + (length & ~7);
  for (; i < end8; i += 8) {
    sum +=
      ((bytes[i]! << 8) | bytes[i + 1]!) +
      ((bytes[i + 2]! << 8) | bytes[i + 3]!) +
      ((bytes[i + 4]! << 8) | bytes[i + 5]!) +
      ((bytes[i + 6]! << 8) | bytes[i + 7]!);
  }
  const end2 = offset + (length & ~1);
  for (; i < end2; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if ((length & 1) === 1) sum += bytes[end2]! << 8;
  return sum;
}

/**
 * Sums 32 bits at a time over the 4-byte-aligned middle of the range, through a Uint32Array over
 * the underlying buffer. One's-complement addition is byte-order independent (RFC 1071 §2(B)), so
 * the host-order words are added as they are and the folded result is byte-swapped once; a middle
 * that starts at an odd distance from `offset` needs the opposite swap (RFC 1071 §2(B) again).
 */
function sumWords32(bytes: Uint8Array, offset: number, length: number): number {
  const absoluteStart = bytes.byteOffset + offset;
  const head = (4 - (absoluteStart & 3)) & 3;
  let sum = sumWords16(bytes, offset, head);

  const firstWord = (absoluteStart + head) >>> 2;
  const wordCount = (length - head) >>> 2;
  const endWord = firstWord + wordCount;
  const words = wordsCovering(bytes.buffer, endWord);
  // Each term is below 2^34, so a double holds the exact total for any Uint8Array length.
  let wide = 0;
  let w = firstWord;
  for (const end4 = endWord - 3; w < end4; w += 4) {
    wide += words[w]! + words[w + 1]! + words[w + 2]! + words[w + 3]!;
  }
  for (; w < endWord; w++) wide += words[w]!;
  let middle = foldChecksumSum(wide);
  if (LITTLE_ENDIAN_HOST !== ((head & 1) === 1)) middle = swapBytes16(middle);
  sum += middle;

  const tailStart = offset + head + wordCount * 4;
  const tail = sumWords16(bytes, tailStart, offset + length - tailStart);
  // The tail sits at an odd distance from `offset` exactly when the head was odd.
  sum += (head & 1) === 1 ? swapBytes16(foldChecksumSum(tail)) : tail;
  return sum;
}

/**
 * `onesComplementSum` without the argument check, for callers in this package that have checked
 * the range already (a wrapped view, a pseudo-header whose header was checked).
 */
export function sumRange(
  bytes: Uint8Array,
  offset: number,
  length: number,
  initial: number,
): number {
  if (length === 0) return initial;
  const sum =
    length < WIDE_SUM_THRESHOLD
      ? sumWords16(bytes, offset, length)
      : sumWords32(bytes, offset, length);
  return initial + sum;
}

/**
 * The one's-complement sum of `bytes[offset .. offset + length)` as big-endian 16-bit words (an odd
 * final byte padded with zero), plus `initial`. Unfolded: pass it on as `initial` or fold it.
 * Throws a RangeError unless `offset` and `length` are integers and the range is inside `bytes`.
 */
export function onesComplementSum(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
  initial = 0,
): number {
  checkByteRange("onesComplementSum", bytes, offset, length);
  return sumRange(bytes, offset, length, initial);
}

/** The checksum field value for an unfolded sum: folded to 16 bits and complemented. */
export function checksumFromSum(sum: number): number {
  return ~foldChecksumSum(sum) & 0xffff;
}

/**
 * The Internet checksum (complemented, 16 bits) of a range, starting from an unfolded `initial` sum.
 * Throws a RangeError unless `offset` and `length` are integers and the range is inside `bytes`.
 */
export function internetChecksum(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
  initial = 0,
): number {
  checkByteRange("internetChecksum", bytes, offset, length);
  return checksumFromSum(sumRange(bytes, offset, length, initial));
}
