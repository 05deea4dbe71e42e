// Closing under load in the Windows build: a batch handler that sends every packet it receives
// back keeps the loopback busy, so the receive thread is waiting on the read event, receiving, or
// delivering when the session, the adapter or the whole process goes away. Nothing may hang,
// crash or keep a pool slot.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { WinTunAdapter } from "@magma/wintun-native";

// Starts an echo loop of `packets` packets and resolves once `atLeast` have gone round.
async function busySession(adapter, atLeast, onBatch = () => {}) {
  const session = adapter.startSession();
  let received = 0;
  session.setReceiveHandler((packets, count) => {
    received += count;
    session.sendPooled(packets, count);
    for (let i = 0; i < count; i++) packets[i].dispose();
    onBatch(session);
  });
  session.send(
    Array.from({ length: 64 }, () => Uint8Array.of(0x45, 0, 0, 40, ...new Uint8Array(36))),
  );
  while (received < atLeast) await sleep(5);
  return { session, received: () => received };
}

describe("closing under load", () => {
  it("closes a busy session and gets every pool slot back", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-load-1" });
    try {
      const { session, received } = await busySession(adapter, 5_000);
      session.close();
      const end = await session.ended;
      assert.equal(end.reason, "closed");
      const atClose = received();
      await sleep(50);
      assert.equal(received(), atClose, "no batch after close");
      assert.equal(session.pool.stats.inUse, 0);
      assert.equal(session.send([Uint8Array.of(0x45)]), 0);
      assert.equal(session.stats.drops.sessionEnded, 1);
    } finally {
      adapter.close();
    }
  });

  it("closes a busy session from inside its own batch handler", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-load-2" });
    try {
      let closeAt = Number.POSITIVE_INFINITY;
      let total = 0;
      const { session } = await busySession(adapter, 1, (s) => {
        total = s.stats.rxPackets;
        if (total >= closeAt) s.close();
      });
      closeAt = total + 3_000;
      const end = await session.ended;
      assert.equal(end.reason, "closed");
      assert.equal(session.pool.stats.inUse, 0);
    } finally {
      adapter.close();
    }
  });

  it("closes the adapter under a busy session, which ends the session first", async () => {
    const adapter = await WinTunAdapter.create({ name: "wine-load-3" });
    const { session } = await busySession(adapter, 5_000);
    adapter.close();
    assert.equal((await session.ended).reason, "closed");
    assert.equal(adapter.session, undefined);
    // The name is free again: the adapter was removed.
    (await WinTunAdapter.create({ name: "wine-load-3" })).close();
  });

  it("lets a process end on its own with an unref'd busy session", () => {
    const child = spawnSync(
      process.execPath,
      [fileURLToPath(new URL("unref-exit-child.mjs", import.meta.url))],
      { stdio: "ignore", timeout: 30_000 },
    );
    assert.equal(child.error, undefined);
    assert.equal(child.status, 0);
  });
});
