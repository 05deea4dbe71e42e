/**
 * The sender's record of what the peer has selectively acknowledged (RFC 2018 §5, RFC 6675 §2–4).
 * Ranges are kept as byte positions of the send buffer (not sequence numbers), sorted and
 * disjoint, so no comparison has to care about wrap-around. SACK is advisory: data stays in the
 * send buffer until cumulatively acknowledged (RFC 2018 §8).
 */
export class SackScoreboard {
  /** [start0, end0, start1, end1, ...] in ascending order. */
  readonly #ranges: number[] = [];
  #sacked = 0;

  /** Bytes SACKed above the cumulative ACK. */
  get sackedBytes(): number {
    return this.#sacked;
  }

  get isEmpty(): boolean {
    return this.#ranges.length === 0;
  }

  /** Position after the highest SACKed byte, or `fallback` when nothing is SACKed. */
  highestSacked(fallback: number): number {
    const ranges = this.#ranges;
    return ranges.length === 0 ? fallback : ranges[ranges.length - 1]!;
  }

  /** Records the SACKed range [start, end). */
  add(start: number, end: number): void {
    if (end <= start) return;
    const ranges = this.#ranges;
    let i = 0;
    while (i < ranges.length && ranges[i + 1]! < start) i += 2;
    let newStart = start;
    let newEnd = end;
    let j = i;
    while (j < ranges.length && ranges[j]! <= newEnd) {
      newStart = Math.min(newStart, ranges[j]!);
      newEnd = Math.max(newEnd, ranges[j + 1]!);
      this.#sacked -= ranges[j + 1]! - ranges[j]!;
      j += 2;
    }
    ranges.splice(i, j - i, newStart, newEnd);
    this.#sacked += newEnd - newStart;
  }

  /** The cumulative ACK reached `position`: forget ranges (and parts of ranges) below it. */
  advance(position: number): void {
    const ranges = this.#ranges;
    let drop = 0;
    while (drop < ranges.length && ranges[drop + 1]! <= position) {
      this.#sacked -= ranges[drop + 1]! - ranges[drop]!;
      drop += 2;
    }
    if (drop > 0) ranges.splice(0, drop);
    if (ranges.length > 0 && ranges[0]! < position) {
      this.#sacked -= position - ranges[0]!;
      ranges[0] = position;
    }
  }

  /** Whether the byte at `position` was SACKed. */
  isSacked(position: number): boolean {
    const ranges = this.#ranges;
    for (let i = 0; i < ranges.length; i += 2) {
      if (position < ranges[i]!) return false;
      if (position < ranges[i + 1]!) return true;
    }
    return false;
  }

  /** The first SACKed position at or after `position`, or `Infinity`. */
  nextSackedFrom(position: number): number {
    const ranges = this.#ranges;
    for (let i = 0; i < ranges.length; i += 2) {
      if (ranges[i + 1]! > position) return Math.max(ranges[i]!, position);
    }
    return Number.POSITIVE_INFINITY;
  }

  /** The end of the SACKed range holding `position` (or `position` when it is not SACKed). */
  sackedRunEnd(position: number): number {
    const ranges = this.#ranges;
    for (let i = 0; i < ranges.length; i += 2) {
      if (position >= ranges[i]! && position < ranges[i + 1]!) return ranges[i + 1]!;
    }
    return position;
  }

  /** SACKed bytes at or above `position`. */
  sackedAbove(position: number): number {
    const ranges = this.#ranges;
    let total = 0;
    for (let i = ranges.length - 2; i >= 0; i -= 2) {
      if (ranges[i + 1]! <= position) break;
      total += ranges[i + 1]! - Math.max(ranges[i]!, position);
    }
    return total;
  }

  /**
   * RFC 6675 §4 IsLost: the unSACKed byte at `position` is lost once more than
   * (DupThresh − 1) · SMSS bytes above it are SACKed (DupThresh = 3).
   */
  isLost(position: number, smss: number): boolean {
    return this.sackedAbove(position) > 2 * smss;
  }

  clear(): void {
    this.#ranges.length = 0;
    this.#sacked = 0;
  }
}
