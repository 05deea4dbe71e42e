// Sessions of the Windows build through the stand-in wintun.dll: what the app sends comes back
// as received packets, so every batch crosses the Windows receive path (the auto-reset read
// event, the receive thread's WaitForMultipleObjects on it and its quit event, the thread-safe
// call into JavaScript) and the send path (WintunAllocateSendPacket, WintunSendPacket).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { WinTunAdapter } from "@magma/wintun-native";

// An IPv4-looking packet carrying its sequence number at byte 4.
function packet(sequence, length = 60) {
  const bytes = new Uint8Array(length);
  bytes[0] = 0x45;
  new DataView(bytes.buffer).setUint32(4, sequence);
  bytes[length - 1] = sequence & 0xff;
  return bytes;
}

function sequenceOf(pooled) {
  const { memory } = pooled;
  return new DataView(memory.buffer, memory.byteOffset, pooled.length).getUint32(4);
}

async function receiveCount(session, count) {
  const seen = [];
  while (seen.length < count) {
    for (const p of await session.receive()) {
      seen.push(sequenceOf(p));
      p.dispose();
    }
  }
  return seen;
}

describe("a session over the loopback driver", () => {
  let adapter;
  before(async () => {
    adapter = await WinTunAdapter.create({ name: "wine-session-1" });
  });
  after(() => adapter?.close());

  it("receives every sent packet back, in order and intact, in batches", async () => {
    const session = adapter.startSession();
    try {
      const sent = Array.from({ length: 200 }, (_, i) => packet(i, 40 + (i % 100)));
      assert.equal(session.send(sent), 200);
      const received = [];
      while (received.length < 200) {
        for (const p of await session.receive()) {
          received.push(Uint8Array.from(p.memory.subarray(0, p.length)));
          p.dispose();
        }
      }
      assert.deepEqual(received, sent);
      const stats = session.stats;
      assert.equal(stats.txPackets, 200);
      assert.equal(stats.rxPackets, 200);
      assert.ok(stats.rxBatches >= 1 && stats.rxBatches <= 200);
    } finally {
      session.close();
    }
  });

  it("sleeps on the read event when idle and wakes when packets arrive", async () => {
    const session = adapter.startSession();
    try {
      assert.equal(session.send([packet(1)]), 1);
      await receiveCount(session, 1);
      await sleep(50);
      const waitsWhenIdle = session.stats.receiveWaits;
      assert.ok(waitsWhenIdle >= 1, "the receive thread waited on the read event");
      assert.equal(session.send([packet(2)]), 1);
      assert.deepEqual(await receiveCount(session, 1), [2]);
      assert.ok(session.stats.receiveWaits >= waitsWhenIdle);
      // Windows has no event-loop watch on the read event: the receive thread received them all.
      assert.equal(session.stats.rxWokenBatches, 0);
    } finally {
      session.close();
    }
  });

  it("moves 20,000 packets through a 128 KiB ring, in order, in batches to a handler", async () => {
    const session = adapter.startSession({ capacity: 0x20000 });
    try {
      const total = 20_000;
      // The driver drops what does not fit into the receive ring, as wintun.sys does: keep at
      // most 128 packets of 500 bytes (64 KiB) on their way so none is dropped.
      const window = 128;
      let next = 0;
      let received = 0;
      const outOfOrder = [];
      let largestBatch = 0;
      let wake = () => {};
      session.setReceiveHandler((packets, count) => {
        largestBatch = Math.max(largestBatch, count);
        for (let i = 0; i < count; i++) {
          const p = packets[i];
          if (sequenceOf(p) !== received) outOfOrder.push([received, sequenceOf(p)]);
          received++;
          p.dispose();
        }
        wake();
      });
      while (received < total) {
        const room = Math.min(window - (next - received), total - next);
        if (room > 0) {
          const batch = Array.from({ length: room }, (_, i) => packet(next + i, 500));
          // A full send ring refuses the rest of a batch: go on from the first packet not sent.
          next += session.send(batch);
        }
        await new Promise((resolve) => {
          wake = resolve;
          setTimeout(resolve, 5);
        });
      }
      assert.deepEqual(outOfOrder, []);
      assert.equal(session.stats.rxPackets, total);
      assert.equal(session.stats.txPackets, total);
      assert.ok(largestBatch > 1, `batches of up to ${largestBatch} packets`);
    } finally {
      session.close();
    }
  });

  it("carries packets of 65,535 bytes and counts an empty one as invalid", async () => {
    const session = adapter.startSession();
    try {
      const big = packet(7, 65_535);
      assert.equal(session.send([new Uint8Array(0)]), 0);
      assert.equal(session.stats.drops.invalidPacket, 1);
      assert.equal(session.send([big]), 1);
      const [received] = await session.receive();
      assert.equal(received.length, 65_535);
      assert.deepEqual(received.memory.subarray(0, received.length), big);
      received.dispose();
    } finally {
      session.close();
    }
  });

  it("sends pooled packets from the session's own pool", async () => {
    const session = adapter.startSession();
    try {
      const pooled = [];
      for (let i = 0; i < 16; i++) {
        const p = session.pool.tryRent(80);
        assert.ok(p !== undefined);
        p.memory.set(packet(100 + i, 80));
        p.length = 80;
        pooled.push(p);
      }
      assert.equal(session.sendPooled(pooled), 16);
      for (const p of pooled) p.dispose();
      assert.deepEqual(
        await receiveCount(session, 16),
        Array.from({ length: 16 }, (_, i) => 100 + i),
      );
    } finally {
      session.close();
    }
  });
});
