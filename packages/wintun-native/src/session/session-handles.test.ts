import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { nativeAddon } from "../native-addon.js";
import { describeNetwork, waitFor } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";

afterEach(closeSessions);

/** File descriptors of this process that are eventfds (the session's wake event is one). */
function eventfdCount(): number {
  let count = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === "anon_inode:[eventfd]") count++;
    } catch {
      // Closed between the listing and the read (readdir's own descriptor).
    }
  }
  return count;
}

const idleScript = fileURLToPath(
  new URL("../test-support/idle-session-process.mjs", import.meta.url),
);

/** Starts the idle-session child and resolves once it printed "ready"; `exited` tells when it ends. */
function startIdle(mode: "ref" | "unref", name: string) {
  const child = spawn(process.execPath, [idleScript, mode, name], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("ready")) resolve();
    });
    child.on("exit", () => reject(new Error("the child ended before it was ready")));
  });
  return { child, ready, exited, exitCode: () => exitCode };
}

describeNetwork("what a session holds", () => {
  it("releases its OS handles in close(), not when it is garbage-collected", async () => {
    const before = eventfdCount();
    const { session } = await openSession("mgw-h1", 127);
    expect(eventfdCount()).toBeGreaterThan(before);
    session.close();
    // No garbage collection in between: the session object is still reachable here.
    expect(session.isClosed).toBe(true);
    expect(eventfdCount()).toBe(before);
    expect(nativeAddon().liveResources()).toMatchObject({ sessions: 0, receiveThreads: 0 });
  });

  it("keeps the process alive while open, and lets it end once unref()'d", async () => {
    const open = startIdle("ref", "mgw-h2");
    try {
      await open.ready;
      // Nothing else holds the child's event loop: only the open session keeps it running.
      expect(await waitFor(() => open.exitCode() !== undefined, 1500)).toBe(false);
    } finally {
      open.child.kill();
    }
    await open.exited;

    const unrefd = startIdle("unref", "mgw-h3");
    await unrefd.ready;
    expect(
      await Promise.race([unrefd.exited, new Promise((r) => setTimeout(() => r("alive"), 5000))]),
    ).toBe(0);
  });
});
