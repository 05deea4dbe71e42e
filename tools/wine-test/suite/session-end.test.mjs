// How sessions of the Windows build end when the driver, not the app, says so: the stand-in
// driver's test hooks (environment variables it reads when a session starts) end the session as
// wintun.sys does when the adapter goes away, or stop consuming the send ring.
import assert from "node:assert/strict";
import { after, afterEach, before, describe, it } from "node:test";
import { WinTunAdapter, WinTunError } from "@magma/wintun-native";

function packet(sequence, length = 100) {
  const bytes = new Uint8Array(length);
  bytes[0] = 0x45;
  bytes[4] = sequence & 0xff;
  return bytes;
}

describe("a session the driver ends or stalls", () => {
  let adapter;
  before(async () => {
    adapter = await WinTunAdapter.create({ name: "wine-end-1" });
  });
  afterEach(() => {
    delete process.env.WINTUN_LOOPBACK_END_AFTER;
    delete process.env.WINTUN_LOOPBACK_PAUSE_DRIVER;
  });
  after(() => adapter?.close());

  it("ends with adapter-removed and ERROR_HANDLE_EOF (38) when the driver ends it", async () => {
    process.env.WINTUN_LOOPBACK_END_AFTER = "5";
    const session = adapter.startSession();
    session.send(Array.from({ length: 10 }, (_, i) => packet(i)));
    const end = await session.ended;
    assert.equal(end.reason, "adapter-removed");
    assert.ok(end.error instanceof WinTunError);
    assert.equal(end.error.code, 38);
    assert.equal(end.error.symbol, "ERROR_HANDLE_EOF");
    assert.equal(adapter.session, undefined);
    // Sends after the end are counted, never thrown (the driver may have ended the session while
    // the first batch was still being copied in: those count too).
    const endedBefore = session.stats.drops.sessionEnded;
    assert.equal(session.send([packet(99)]), 0);
    assert.equal(session.stats.drops.sessionEnded, endedBefore + 1);
    // What was received before the end is still handed out; then receive() says why it ended.
    let delivered = 0;
    for (;;) {
      let batch;
      try {
        batch = await session.receive();
      } catch (error) {
        assert.ok(error instanceof WinTunError);
        assert.equal(error.code, 38);
        break;
      }
      delivered += batch.length;
      for (const p of batch) p.dispose();
    }
    assert.ok(delivered <= 5, `${delivered} packets before the end`);
    session.close();
  });

  it("counts sends refused by a full send ring (ERROR_BUFFER_OVERFLOW) as drops", () => {
    process.env.WINTUN_LOOPBACK_PAUSE_DRIVER = "1";
    const session = adapter.startSession({ capacity: 0x20000 });
    try {
      // 1,000-byte packets take 1,004 bytes of ring: a 128 KiB ring holds 130 of them.
      const sent = session.send(Array.from({ length: 500 }, (_, i) => packet(i, 1000)));
      assert.equal(sent, 130);
      assert.equal(session.stats.drops.sendRingFull, 370);
      assert.equal(session.send([packet(0, 1000)]), 0);
      assert.equal(session.stats.drops.sendRingFull, 371);
      // Room for a smaller packet is still there.
      assert.equal(session.send([packet(0, 200)]), 1);
    } finally {
      session.close();
    }
  });

  it("starts a new session on the same adapter after the driver ended one", async () => {
    const session = adapter.startSession();
    session.send([packet(3)]);
    const [received] = await session.receive();
    assert.equal(received.memory[4], 3);
    received.dispose();
    session.close();
  });
});
