import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SackScoreboard } from "./sack-scoreboard.js";

describe("SackScoreboard", () => {
  it("agrees with a byte-set model for adds, advances and queries", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 60 })), {
          maxLength: 40,
        }),
        fc.integer({ min: 0, max: 300 }),
        (blocks, cumulative) => {
          const board = new SackScoreboard();
          const model = new Set<number>();
          for (const [start, length] of blocks) {
            board.add(start, start + length);
            for (let i = start; i < start + length; i++) model.add(i);
          }
          board.advance(cumulative);
          for (const i of [...model]) if (i < cumulative) model.delete(i);
          expect(board.sackedBytes).toBe(model.size);
          for (let p = cumulative; p < 380; p++) {
            expect(board.isSacked(p)).toBe(model.has(p));
            let above = 0;
            for (const i of model) if (i >= p) above++;
            expect(board.sackedAbove(p)).toBe(above);
          }
        },
      ),
    );
  });

  it("deems a hole lost once more than two segments above it are SACKed (RFC 6675 IsLost)", () => {
    const board = new SackScoreboard();
    board.add(1000, 3000);
    expect(board.isLost(0, 1000)).toBe(false);
    board.add(3000, 3001);
    expect(board.isLost(0, 1000)).toBe(true);
    expect(board.nextSackedFrom(0)).toBe(1000);
    expect(board.sackedRunEnd(1500)).toBe(3001);
  });
});
