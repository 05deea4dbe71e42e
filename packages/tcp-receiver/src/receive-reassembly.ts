import { seqAdd, seqDiff, seqGt } from "@magma/packets";

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
  /** Sequence number of the most recently stored segment, for the first SACK block. */
  #latest = 0;

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
    this.#latest = start;
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
   * returns how many: the block holding the latest arrival first (RFC 2018 §4), then the others
   * from the lowest sequence up.
   */
  sackBlocks(into: Uint32Array, max: number): number {
    const held = this.#held;
    if (held.length === 0 || max === 0) return 0;
    let count = 0;
    let latestBlock = -1;
    let index = 0;
    // First pass: find the merged block holding #latest and write it first.
    while (index < held.length) {
      const left = held[index]!.seq;
      let right = seqAdd(left, held[index]!.data.length);
      let holdsLatest = held[index]!.seq === this.#latest;
      index++;
      while (index < held.length && held[index]!.seq === right) {
        if (held[index]!.seq === this.#latest) holdsLatest = true;
        right = seqAdd(right, held[index]!.data.length);
        index++;
      }
      if (holdsLatest) {
        into[0] = left;
        into[1] = right;
        count = 1;
        latestBlock = left;
        break;
      }
    }
    index = 0;
    while (index < held.length && count < max) {
      const left = held[index]!.seq;
      let right = seqAdd(left, held[index]!.data.length);
      index++;
      while (index < held.length && held[index]!.seq === right) {
        right = seqAdd(right, held[index]!.data.length);
        index++;
      }
      if (left === latestBlock) continue;
      into[count * 2] = left;
      into[count * 2 + 1] = right;
      count++;
    }
    return count;
  }

  clear(): void {
    this.#held.length = 0;
    this.#bytes = 0;
  }
}
