import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type TimerEntry, TimerQueue } from "./timer-queue.js";

function entry(fired: number[], id: number): TimerEntry {
  return { timerIndex: -1, timerDeadline: 0, onTimer: () => fired.push(id) };
}

describe("TimerQueue", () => {
  it("runs due entries in deadline order and keeps the rest", () => {
    const queue = new TimerQueue(() => 0);
    const fired: number[] = [];
    const entries = [0, 1, 2, 3].map((id) => entry(fired, id));
    queue.schedule(entries[0]!, 30);
    queue.schedule(entries[1]!, 10);
    queue.schedule(entries[2]!, 20);
    queue.schedule(entries[3]!, 40);
    queue.runDue(25);
    expect(fired).toEqual([1, 2]);
    expect(queue.size).toBe(2);
    queue.close();
  });

  it("moves an entry when rescheduled and forgets it when cancelled", () => {
    const queue = new TimerQueue(() => 0);
    const fired: number[] = [];
    const a = entry(fired, 1);
    const b = entry(fired, 2);
    queue.schedule(a, 10);
    queue.schedule(b, 20);
    queue.schedule(a, 30);
    queue.cancel(b);
    queue.runDue(25);
    expect(fired).toEqual([]);
    expect(b.timerIndex).toBe(-1);
    queue.runDue(30);
    expect(fired).toEqual([1]);
    expect(queue.size).toBe(0);
    queue.close();
  });

  it("matches a sorted model under random schedules and cancels", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: -1, max: 1000 })), {
          maxLength: 200,
        }),
        (operations) => {
          const queue = new TimerQueue(() => 0);
          const fired: number[] = [];
          const entries = Array.from({ length: 16 }, (_, id) => entry(fired, id));
          const model = new Map<number, number>();
          for (const [id, deadline] of operations) {
            if (deadline < 0) {
              queue.cancel(entries[id]!);
              model.delete(id);
            } else {
              queue.schedule(entries[id]!, deadline);
              model.set(id, deadline);
            }
          }
          queue.runDue(500);
          const due = [...model].filter(([, d]) => d <= 500).map(([, d]) => d);
          expect(fired.map((id) => model.get(id)!)).toEqual(due.sort((x, y) => x - y));
          expect(queue.size).toBe(model.size - due.length);
          queue.close();
        },
      ),
    );
  });

  it("fires through one Node timer at the earliest deadline", async () => {
    const queue = new TimerQueue();
    const fired: number[] = [];
    const now = performance.now();
    queue.schedule(entry(fired, 1), now + 20);
    queue.schedule(entry(fired, 2), now + 5);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired).toEqual([2, 1]);
    queue.close();
  });
});
