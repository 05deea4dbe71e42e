import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, expect, it } from "vitest";
import { describeNetwork, waitFor } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";

// The emulator reads its fault settings once per process, when the first session starts; vitest
// runs each test file in a process of its own. Here the driver ends every session after it has
// put PUBLISHED packets in the receive ring, as wintun.sys does when it tears a session down: it
// writes Tail = 0xFFFFFFFF, and whatever the application had not taken yet can no longer be read.
const PUBLISHED = 3000;
const MAX_BATCH = 32;
beforeAll(() => {
  process.env.WINTUN_EMU_END_SESSION_AFTER = String(PUBLISHED);
});
afterEach(closeSessions);
const senderScript = fileURLToPath(
  new URL("../test-support/sequenced-udp-sender.mjs", import.meta.url),
);

describeNetwork("a session the driver ends with packets still in the ring", () => {
  it("counts what was left there, from the driver's own count of packets it put in the ring", async () => {
    const { adapter, session, kernelAddress, peerAddress } = await openSession("mgw-de1", 128);
    let received = 0;
    let stalled = false;
    session.setReceiveHandler((packets, count) => {
      // A slow receiver: the first batch holds the thread long enough for the ring to fill.
      if (!stalled) {
        stalled = true;
        const until = Date.now() + 300;
        while (Date.now() < until) {
          // Busy: nothing else runs on this thread meanwhile.
        }
      }
      received += count;
      for (let i = 0; i < count; i++) packets[i]?.dispose();
    });
    const sender = spawn(
      process.execPath,
      [senderScript, kernelAddress, peerAddress, "9000", "5000"],
      { stdio: "inherit" },
    );
    await new Promise((resolve) => sender.on("exit", resolve));
    const end = await Promise.race([session.ended, new Promise((r) => setTimeout(r, 5000))]);
    expect(end).toMatchObject({ reason: "adapter-removed" });
    const { rxPackets, drops } = session.stats;
    expect(await waitFor(() => received === rxPackets)).toBe(true);
    // Each packet the driver published was received, dropped for want of a slot, or left in the
    // ring when the session ended. It publishes whole batches (at most MAX_BATCH packets, the
    // emulator's kMaxBatchPackets), so it stops within one batch past PUBLISHED.
    expect(drops.leftInRing).toBeGreaterThan(0);
    const accounted = rxPackets + drops.poolExhausted + drops.invalidPacket + drops.leftInRing;
    expect(accounted).toBeGreaterThanOrEqual(PUBLISHED);
    expect(accounted).toBeLessThan(PUBLISHED + MAX_BATCH);
    adapter.close();
  });
});
