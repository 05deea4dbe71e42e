import { PassThrough, Writable } from "node:stream";
import { PacketMemoryPool, type PooledPacket } from "@magma/memory-pool";
import { PacketDirection, readPcapng } from "@magma/pcapng";
import { expect, it } from "vitest";
import {
  type CaptureCounters,
  checkCaptureArguments,
  MIN_CAPTURE_BUFFER_SIZE,
  PacketCapture,
} from "./packet-capture.js";

// The capture's buffer on its own, fed batches as the pump and the transmitter feed it.

function batch(
  pool: PacketMemoryPool,
  count: number,
  length: number,
  fill: number,
): PooledPacket[] {
  return Array.from({ length: count }, () => {
    const packet = pool.tryRent(length) as PooledPacket;
    packet.memory.fill(fill, 0, length);
    return packet;
  });
}

/** A Writable that keeps what it is given and completes writes only once released. */
function heldWritable(): {
  stream: Writable;
  chunks: Buffer[];
  writes: () => number;
  release: () => void;
} {
  const chunks: Buffer[] = [];
  const held: (() => void)[] = [];
  let holding = true;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      if (holding) held.push(() => callback());
      else callback();
    },
  });
  return {
    stream,
    chunks,
    writes: () => chunks.length,
    release: () => {
      holding = false;
      for (const done of held.splice(0)) done();
    },
  };
}

function capture(stream: Writable, totals: CaptureCounters, snapLength = 65535): PacketCapture {
  return new PacketCapture(
    stream,
    checkCaptureArguments(stream, { bufferSize: MIN_CAPTURE_BUFFER_SIZE, snapLength }, "test0"),
    totals,
    () => {},
    () => {},
  );
}

it("writes nothing from the packet path: batches go out on a later turn of the event loop", async () => {
  const pool = new PacketMemoryPool();
  const destination = heldWritable();
  const totals = { packets: 0, bytes: 0, drops: 0 };
  destination.release();
  const running = capture(destination.stream, totals);
  await new Promise((resolve) => setImmediate(resolve)); // the header is written: idle
  const headerWrites = destination.writes();
  running.record(batch(pool, 4, 100, 1), 4, PacketDirection.Inbound);
  expect(destination.writes()).toBe(headerWrites);
  await new Promise((resolve) => setImmediate(resolve));
  expect(destination.writes()).toBe(headerWrites + 1);
  await running.close();
  expect(readPcapng(Buffer.concat(destination.chunks)).packets).toHaveLength(4);
});

it("bounds the memory held for a stalled destination and counts what did not fit as drops", async () => {
  const pool = new PacketMemoryPool();
  const destination = heldWritable();
  const totals = { packets: 0, bytes: 0, drops: 0 };
  const running = capture(destination.stream, totals, 1200);
  const packets = batch(pool, 100, 1400, 7);
  for (let round = 0; round < 20; round++) {
    running.record(
      packets,
      100,
      round % 2 === 0 ? PacketDirection.Inbound : PacketDirection.Outbound,
    );
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(totals.packets + totals.drops).toBe(2000);
  expect(totals.drops).toBeGreaterThan(0);
  expect(totals.bytes).toBe(totals.packets * 1200);
  expect(totals.bytes).toBeLessThan(MIN_CAPTURE_BUFFER_SIZE);
  expect(running.stats).toEqual(totals);
  destination.release();
  // Once the destination keeps up again, nothing more is dropped.
  const dropped = totals.drops;
  await new Promise((resolve) => setImmediate(resolve));
  running.record(packets, 100, PacketDirection.Outbound);
  expect(totals.drops).toBe(dropped);
  await running.close();
  const file = readPcapng(Buffer.concat(destination.chunks));
  expect(file.packets).toHaveLength(totals.packets);
  expect(file.packets.every((p) => p.data.length === 1200 && p.originalLength === 1400)).toBe(true);
  expect(file.packets[0]?.direction).toBe(PacketDirection.Inbound);
  const times = file.packets.map((p) => p.timestamp);
  expect(times).toEqual([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  expect(running.stats).toEqual(totals);
  for (const packet of packets) packet.dispose();
});

it("stops recording once closed, and its stats stay as they were", async () => {
  const pool = new PacketMemoryPool();
  const destination = heldWritable();
  destination.release();
  const totals = { packets: 0, bytes: 0, drops: 0 };
  const running = capture(destination.stream, totals);
  const packets = batch(pool, 2, 60, 3);
  running.record(packets, 2, PacketDirection.Outbound);
  await running.close();
  running.record(packets, 2, PacketDirection.Outbound);
  expect(totals).toEqual({ packets: 2, bytes: 120, drops: 0 });
  expect(await running.ended).toEqual({ reason: "closed" });
  expect(readPcapng(Buffer.concat(destination.chunks)).packets.map((p) => p.direction)).toEqual([
    PacketDirection.Outbound,
    PacketDirection.Outbound,
  ]);
});

it("gives a destination that keeps its chunks (a PassThrough) copies that later packets leave intact", async () => {
  const pool = new PacketMemoryPool();
  const destination = new PassThrough();
  // Kept as given, as `chunks.push(chunk)` in a 'data' handler keeps them.
  const kept: Buffer[] = [];
  destination.on("data", (chunk: Buffer) => kept.push(chunk));
  const totals = { packets: 0, bytes: 0, drops: 0 };
  const running = capture(destination, totals);
  for (let round = 0; round < 6; round++) {
    // Same sizes every round: a reused chunk would be overwritten block for block.
    const direction = round % 2 === 0 ? PacketDirection.Outbound : PacketDirection.Inbound;
    running.record(batch(pool, 3, 60, round), 3, direction);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await running.close();
  const file = readPcapng(Buffer.concat(kept));
  expect(file.packets.map((packet) => [packet.direction, packet.data[0]])).toEqual(
    [0, 1, 2, 3, 4, 5].flatMap((round) =>
      Array.from({ length: 3 }, () => [
        round % 2 === 0 ? PacketDirection.Outbound : PacketDirection.Inbound,
        round,
      ]),
    ),
  );
});
