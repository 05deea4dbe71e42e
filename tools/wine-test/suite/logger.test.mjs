// wintun's logger callback in the Windows build: the stand-in DLL calls it on the thread that
// made the call, with a FILETIME timestamp; the addon queues the message and delivers it on the
// JavaScript thread with the time converted.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { WinTunAdapter, WinTunLibrary } from "@magma/wintun-native";

async function until(condition) {
  for (let i = 0; i < 100 && !condition(); i++) await sleep(10);
}

describe("the wintun logger under Wine", () => {
  it("delivers info and error messages with wintun's timestamps, until removed", async () => {
    const library = WinTunLibrary.load();
    const entries = [];
    const before = Date.now();
    library.setLogger((entry) => entries.push(entry));
    const adapter = await WinTunAdapter.create({ name: "wine-log-1" });
    await WinTunAdapter.open("wine-log-none").catch(() => undefined);
    adapter.close();
    await until(() => entries.length >= 3);
    const created = entries.find((entry) => entry.message === "Created adapter wine-log-1");
    assert.ok(created, JSON.stringify(entries));
    assert.equal(created.level, "info");
    // FILETIME (100 ns since 1601) became a Date near now.
    assert.ok(created.timestamp.getTime() >= before - 1000);
    assert.ok(created.timestamp.getTime() <= Date.now() + 1000);
    const failed = entries.find(
      (entry) => entry.message === "Failed to find adapter wine-log-none",
    );
    assert.equal(failed?.level, "error");
    assert.ok(entries.some((entry) => entry.message === "Removed adapter wine-log-1"));

    library.setLogger(undefined);
    const count = entries.length;
    (await WinTunAdapter.create({ name: "wine-log-2" })).close();
    await sleep(50);
    assert.equal(entries.length, count);
  });

  it("logs the driver's own warning when it ends a session", async () => {
    const library = WinTunLibrary.load();
    const entries = [];
    library.setLogger((entry) => entries.push(entry));
    const adapter = await WinTunAdapter.create({ name: "wine-log-3" });
    process.env.WINTUN_LOOPBACK_END_AFTER = "1";
    try {
      const session = adapter.startSession();
      session.send([Uint8Array.of(0x45, 0, 0, 20)]);
      await session.ended;
      await until(() => entries.some((entry) => entry.level === "warn"));
      const warning = entries.find((entry) => entry.level === "warn");
      assert.match(warning?.message ?? "", /Driver ended the session/);
      session.close();
    } finally {
      delete process.env.WINTUN_LOOPBACK_END_AFTER;
      adapter.close();
      library.setLogger(undefined);
    }
  });
});
