import { describe, expect, it } from "vitest";
import { SharedSlotQueue } from "./shared-slot-queue.js";

/** A producer's and a consumer's view of one new queue, as the receive thread and a worker hold them. */
function queuePair(capacity: number, width: number) {
  const buffer = new SharedArrayBuffer(SharedSlotQueue.byteLength(capacity, width));
  return {
    buffer,
    producer: new SharedSlotQueue(buffer, capacity, width),
    consumer: new SharedSlotQueue(buffer, capacity, width),
  };
}

describe("SharedSlotQueue", () => {
  it("holds a power of two of records, refuses one more, and frees room as records are taken", () => {
    const { producer, consumer } = queuePair(5, 2);
    expect(producer.capacity).toBe(8);
    for (let i = 0; i < 8; i++) expect(producer.push(i, 100 + i)).toBe(true);
    expect(producer.push(8, 108)).toBe(false);
    producer.publish();
    expect(consumer.available).toBe(8);
    expect([consumer.peek(0, 0), consumer.peek(0, 1), consumer.peek(7, 0)]).toEqual([0, 100, 7]);
    consumer.take(3);
    expect(producer.push(8, 108)).toBe(true);
  });

  it("keeps records in order across the wrap-around, through many rounds", () => {
    const { producer, consumer } = queuePair(4, 1);
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      const count = 1 + (round % 4);
      for (let i = 0; i < count; i++) expect(producer.push(next++)).toBe(true);
      producer.publish();
      const available = consumer.available;
      for (let i = 0; i < available; i++) seen.push(consumer.peek(i, 0));
      consumer.take(available);
    }
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it("shows the consumer only what was published", () => {
    const { producer, consumer } = queuePair(8, 2);
    producer.push(1, 2);
    expect(consumer.available).toBe(0);
    producer.publish();
    expect(consumer.available).toBe(1);
  });

  it("lets the consumer sleep only on an empty queue, flagging it for the producer", () => {
    const { producer, consumer, buffer } = queuePair(8, 2);
    const sleeping = (): number => Atomics.load(new Int32Array(buffer, 0, 4), 2);
    // Empty: it sleeps, and the header's sleeping field tells the producer to wake it.
    expect(consumer.sleep()).toBe(true);
    expect(sleeping()).toBe(1);
    // A record published before it looks again: it takes the flag back and stays awake, so no
    // producer wakes a consumer that is already running.
    producer.push(3, 4);
    producer.publish();
    expect(consumer.sleep()).toBe(false);
    expect(sleeping()).toBe(0);
    expect(consumer.available).toBe(1);
  });

  it("refuses a buffer too small or a capacity out of range", () => {
    expect(() => new SharedSlotQueue(new SharedArrayBuffer(16), 8, 1)).toThrow(RangeError);
    expect(() => SharedSlotQueue.byteLength(0, 1)).toThrow(RangeError);
    expect(() => SharedSlotQueue.byteLength(2 ** 25, 1)).toThrow(RangeError);
  });
});
