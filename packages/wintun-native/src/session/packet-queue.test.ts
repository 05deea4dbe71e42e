import { PacketMemoryPool, type PooledPacket } from "@magma/memory-pool";
import { describe, expect, it } from "vitest";
import { PacketQueue } from "./packet-queue.js";

describe("PacketQueue", () => {
  it("hands packets back oldest first, in takes of at most the asked size, across growth", () => {
    const pool = new PacketMemoryPool({ slabCount: 1, slotsPerSlab: 1024 });
    const queue = new PacketQueue();
    const pushed: PooledPacket[] = [];
    for (let i = 0; i < 600; i++) {
      const packet = pool.tryRent() as PooledPacket;
      pushed.push(packet);
      queue.push(packet);
    }
    expect(queue.size).toBe(600);
    const first = queue.take(100);
    expect(first).toEqual(pushed.slice(0, 100));
    const rest = queue.take(Number.POSITIVE_INFINITY);
    expect(rest).toEqual(pushed.slice(100));
    expect(queue.size).toBe(0);
    expect(queue.take(5)).toEqual([]);
  });
});
