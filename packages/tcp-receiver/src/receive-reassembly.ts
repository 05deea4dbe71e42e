import { seqAdd, seqDiff, seqGt } from "@magma/packets";

/** Recent arrivals remembered for ordering SACK blocks (RFC 2018 allows at most 4 on the wire). */
const RECENT_BLOCKS = 4;

interface HeldSegment {
  seq: number;
  data: Buffer;
}

/**
 * Out-of-order data waiting for the hole before it to fill (RFC 9293 §3.10.7.4, "seventh, process
 * the segment text"). Segments are copied out of packet memory on arrival, so no pool slot is
 * held; overlaps are trimmed so each byte is held once. Its size counts against the receive
 * window, and it also yields the SACK blocks of RFC 2018 (the block holding the most recent
 * arrival first, §4).
 */
export class ReceiveReassembly {
  readonly #held: HeldSegment[] = [];
  #bytes = 0;
  /**
   * Sequence numbers of the most recently stored segments, newest first: RFC 2018 §4 reports the
   * block holding the latest arrival first, then the most recently changed others.
   */
  readonly #recent: number[] = [];

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  get isEmpty(): boolean {
    return this.#held.length === 0;
  }

  /**
   * Keeps a copy of `bytes[offset .. offset + length)` whose first byte has sequence number `seq`
   * (which follows RCV.NXT). Returns the number of new bytes kept (0 for a full duplicate).
   */
  insert(seq: number, bytes: Uint8Array, offset: number, length: number): number {
    let start = seq;
    let end = seqAdd(seq, length);
    const held = this.#held;
    let index = 0;
    while (index < held.length && seqGt(start, held[index]!.seq)) index++;
    // The segment before may overlap our start.
    const before = held[index - 1];
    if (before !== undefined) {
      const beforeEnd = seqAdd(before.seq, before.data.length);
      if (seqDiff(beforeEnd, start) > 0) start = beforeEnd;
      if (seqDiff(end, start) <= 0) return 0;
    }
    // Segments inside [start, end) are replaced; one that straddles `end` trims it.
    while (index < held.length) {
      const next = held[index]!;
      if (seqDiff(next.seq, end) >= 0) break;
      const nextEnd = seqAdd(next.seq, next.data.length);
      if (seqDiff(nextEnd, end) <= 0) {
        this.#bytes -= next.data.length;
        held.splice(index, 1);
        continue;
      }
      end = next.seq;
      break;
    }
    const count = seqDiff(end, start);
    if (count <= 0) return 0;
    const from = offset + seqDiff(start, seq);
    const data = Buffer.allocUnsafe(count);
    data.set(bytes.subarray(from, from + count));
    held.splice(index, 0, { seq: start, data });
    this.#bytes += count;
    const recent = this.#recent;
    const known = recent.indexOf(start);
    if (known >= 0) recent.splice(known, 1);
    recent.unshift(start);
    if (recent.length > RECENT_BLOCKS) recent.pop();
    return count;
  }

  /**
   * Removes and returns the held data that now continues `rcvNxt` (trimming any part before it),
   * or `undefined` when the first held segment still lies beyond a hole.
   */
  takeAt(rcvNxt: number): Buffer | undefined {
    const held = this.#held;
    while (held.length > 0) {
      const first = held[0]!;
      const skip = seqDiff(rcvNxt, first.seq);
      if (skip < 0) return undefined;
      held.shift();
      this.#bytes -= first.data.length;
      if (skip < first.data.length) return skip === 0 ? first.data : first.data.subarray(skip);
    }
    return undefined;
  }

  /**
   * Writes up to `max` SACK blocks (left, right pairs of merged held ranges) into `into` and
   * returns how many: first the blocks holding the most recent arrivals, newest first (RFC 2018
   * §4), then the others from the lowest sequence number up.
   */
  sackBlocks(into: Uint32Array, max: number): number {
    const held = this.#held;
    if (held.length === 0 || max === 0) return 0;
    let count = 0;
    for (const seq of this.#recent) {
      if (count === max) return count;
      count = this.#addBlockHolding(seq, into, count);
    }
    let index = 0;
    while (index < held.length && count < max) {
      const left = held[index]!.seq;
      count = this.#addBlockHolding(left, into, count);
      while (
        index < held.length &&
        seqDiff(held[index]!.seq, left) >= 0 &&
        this.#inBlock(into, count, held[index]!.seq)
      )
        index++;
    }
    return count;
  }

  /** Whether `seq` lies in one of the first `count` blocks of `into`. */
  #inBlock(into: Uint32Array, count: number, seq: number): boolean {
    for (let i = 0; i < count; i++) {
      if (seqDiff(seq, into[i * 2]!) >= 0 && seqDiff(seq, into[i * 2 + 1]!) < 0) return true;
    }
    return false;
  }

  /** Appends the merged block holding `seq` unless it is held nowhere or already written. */
  #addBlockHolding(seq: number, into: Uint32Array, count: number): number {
    if (this.#inBlock(into, count, seq)) return count;
    const held = this.#held;
    let index = held.findIndex(
      (segment) =>
        seqDiff(seq, segment.seq) >= 0 && seqDiff(seq, segment.seq) < segment.data.length,
    );
    if (index < 0) return count;
    while (
      index > 0 &&
      seqAdd(held[index - 1]!.seq, held[index - 1]!.data.length) === held[index]!.seq
    ) {
      index--;
    }
    const left = held[index]!.seq;
    let right = seqAdd(left, held[index]!.data.length);
    index++;
    while (index < held.length && held[index]!.seq === right) {
      right = seqAdd(right, held[index]!.data.length);
      index++;
    }
    into[count * 2] = left;
    into[count * 2 + 1] = right;
    return count + 1;
  }

  /**
   * Drops every held byte at or after `seq` (a held segment that straddles it keeps its part
   * before) and returns how many were dropped.
   */
  discardFrom(seq: number): number {
    const held = this.#held;
    let dropped = 0;
    for (let index = held.length - 1; index >= 0; index--) {
      const segment = held[index]!;
      const keep = seqDiff(seq, segment.seq);
      if (keep >= segment.data.length) break;
      if (keep > 0) {
        dropped += segment.data.length - keep;
        segment.data = segment.data.subarray(0, keep);
        break;
      }
      dropped += segment.data.length;
      held.splice(index, 1);
      const recent = this.#recent.indexOf(segment.seq);
      if (recent >= 0) this.#recent.splice(recent, 1);
    }
    this.#bytes -= dropped;
    return dropped;
  }

  clear(): void {
    this.#held.length = 0;
    this.#bytes = 0;
    this.#recent.length = 0;
  }
}
