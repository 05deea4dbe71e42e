import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ReceiveReassembly } from "./receive-reassembly.js";

describe("ReceiveReassembly", () => {
  it("rebuilds the stream from segments in any order, with overlaps and duplicates, across 2^32", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 1, max: 200 })), {
          minLength: 1,
          maxLength: 60,
        }),
        (base, pieces) => {
          const stream = Uint8Array.from({ length: 1200 }, (_, i) => (i * 7 + 3) & 0xff);
          const reassembly = new ReceiveReassembly();
          let delivered = 0;
          const out: number[] = [];
          // Offer every piece, then the whole stream from 0 in one go, as late retransmissions would.
          for (const [offset, length] of [...pieces, [0, 1200] as [number, number]]) {
            const end = Math.min(offset + length, 1200);
            if (offset < delivered) {
              if (end <= delivered) continue;
            }
            const start = Math.max(offset, delivered);
            if (start === delivered) {
              for (let i = start; i < end; i++) out.push(stream[i]!);
              delivered = end;
              for (;;) {
                const next = reassembly.takeAt((base + delivered) >>> 0);
                if (next === undefined) break;
                out.push(...next);
                delivered += next.length;
              }
            } else {
              reassembly.insert((base + start) >>> 0, stream, start, end - start);
            }
          }
          expect(delivered).toBe(1200);
          expect(Uint8Array.from(out)).toEqual(stream);
          expect(reassembly.bytes).toBe(0);
        },
      ),
    );
  });

  it("reports the most recently changed blocks first (RFC 2018 §4), then the rest from the lowest", () => {
    const reassembly = new ReceiveReassembly();
    const data = new Uint8Array(10);
    for (const seq of [100, 200, 300, 400, 500]) reassembly.insert(seq, data, 0, 10);
    reassembly.insert(210, data, 0, 10); // the block at 200 grows
    const blocks = new Uint32Array(8);
    expect(reassembly.sackBlocks(blocks, 4)).toBe(4);
    expect([...blocks]).toEqual([200, 220, 500, 510, 400, 410, 300, 310]);
    expect(reassembly.sackBlocks(blocks, 3)).toBe(3);
    expect([...blocks.subarray(0, 6)]).toEqual([200, 220, 500, 510, 400, 410]);
  });

  it("reports the block of the latest arrival first, merged with its neighbours", () => {
    const reassembly = new ReceiveReassembly();
    const data = new Uint8Array(100);
    reassembly.insert(0xfffffff0, data, 0, 10);
    reassembly.insert(100, data, 0, 10);
    reassembly.insert(0xfffffffa, data, 0, 10); // joins the first block across the wrap
    const blocks = new Uint32Array(8);
    expect(reassembly.sackBlocks(blocks, 4)).toBe(2);
    expect([...blocks.subarray(0, 4)]).toEqual([0xfffffff0, 4, 100, 110]);
    reassembly.insert(100 + 10, data, 0, 5);
    expect(reassembly.sackBlocks(blocks, 1)).toBe(1);
    expect([...blocks.subarray(0, 2)]).toEqual([100, 115]);
  });
  it("drops what it holds at or after a sequence number, keeping a straddling segment's start", () => {
    const reassembly = new ReceiveReassembly();
    const data = Uint8Array.from({ length: 10 }, (_, i) => i);
    reassembly.insert(0xfffffffc, data, 0, 10); // 0xfffffffc .. 6, across the wrap
    reassembly.insert(20, data, 0, 10);
    reassembly.insert(40, data, 0, 10);
    expect(reassembly.discardFrom(100)).toBe(0);
    expect(reassembly.bytes).toBe(30);

    expect(reassembly.discardFrom(25)).toBe(15); // half of [20, 30) and all of [40, 50)
    expect(reassembly.bytes).toBe(15);
    const blocks = new Uint32Array(8);
    expect(reassembly.sackBlocks(blocks, 4)).toBe(2);
    expect([...blocks.subarray(0, 4)]).toEqual([20, 25, 0xfffffffc, 6]);

    expect(reassembly.discardFrom(2)).toBe(9); // [2, 6) of the first and all of [20, 25)
    expect(reassembly.sackBlocks(blocks, 4)).toBe(1);
    expect([...blocks.subarray(0, 2)]).toEqual([0xfffffffc, 2]);
    expect([...reassembly.takeAt(0xfffffffc)!]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(reassembly.isEmpty).toBe(true);
    expect(reassembly.bytes).toBe(0);
  });
});
