import { spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, expect, it } from "vitest";
import { nativeAddon } from "../native-addon.js";
import { describeNetwork, waitFor } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";
import type { WinTunSession } from "./wintun-session.js";

// On Linux a JavaScript thread that empties a lent ring keeps it and lets its event loop wait for
// the read event (an eventfd), so at one packet in flight the driver wakes that thread directly.
// These tests send one datagram at a time and check that path is taken, and that every way out of
// it (handler removed, close, unref, a worker's end) gives the ring back or ends cleanly.
afterEach(closeSessions);

const PORT = 9140;
const PACED_SENDER = fileURLToPath(
  new URL("../test-support/paced-udp-sender.mjs", import.meta.url),
);

async function udpFrom(address: string): Promise<Socket> {
  const socket = createSocket("udp4");
  socket.bind(0, address);
  await once(socket, "listening");
  return socket;
}

/** Sends `count` datagrams one at a time, each once the previous one was received. */
async function oneAtATime(
  socket: Socket,
  to: string,
  count: number,
  received: () => number,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const before = received();
    socket.send(Buffer.from([i & 0xff]), PORT, to);
    expect(await waitFor(() => received() > before, 5000)).toBe(true);
  }
}

/** Disposes every packet the session hands its batch handler and counts them. */
function countReceived(session: WinTunSession): () => number {
  let received = 0;
  session.setReceiveHandler((packets, count) => {
    for (let i = 0; i < count; i++) packets[i]?.dispose();
    received += count;
  });
  return () => received;
}

/** Sends `count` datagrams from the kernel's side, one at a time, each once the last arrived. */
async function sendOneAtATime(
  kernelAddress: string,
  peerAddress: string,
  count: number,
  received: () => number,
): Promise<void> {
  const socket = await udpFrom(kernelAddress);
  try {
    await oneAtATime(socket, peerAddress, count, received);
  } finally {
    socket.close();
  }
}

describeNetwork("WinTunSession woken by the read event on the JavaScript thread", () => {
  it("receives each datagram at one in flight after a direct wake of the JavaScript thread", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-w1", 140);
    await sendOneAtATime(kernelAddress, peerAddress, 50, countReceived(session));
    const stats = session.stats;
    // The first batch comes from the receive thread, which lends the ring with it; then JavaScript
    // keeps the ring and each later datagram wakes it directly.
    expect(stats.rxWokenBatches).toBeGreaterThanOrEqual(48);
    expect(stats.rxWokenBatches).toBeLessThanOrEqual(stats.rxInlineBatches);
    expect(stats.receiveWaits).toBeLessThanOrEqual(3);
  });

  it("sleeps in its event loop's stead while the loop has nothing due, and receives what comes without a turn", async () => {
    // After the spin it sleeps as long again: a 4 ms spin, and one datagram every 6 ms from another
    // process, so each comes while it sleeps (4 to 8 ms after the last), and nothing else in this
    // process is due meanwhile. The 2 ms either way leave room for a sender's timer that runs late
    // on a busy machine, and for a slow build's handling of each datagram.
    const { session, kernelAddress, peerAddress } = await openSession("mgw-w9", 137, {
      spinMicroseconds: 4000,
    });
    const received = countReceived(session);
    const count = 100;
    const args = [kernelAddress, peerAddress, String(PORT), String(count), "6"];
    const sender = spawn(process.execPath, [PACED_SENDER, ...args], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const [code] = (await once(sender, "close")) as [number];
    expect(code).toBe(0);
    expect(await waitFor(() => received() === count, 5000)).toBe(true);
    const stats = session.stats;
    // Most woke the JavaScript thread asleep in the loop's stead rather than in the loop (95 to 98
    // of the 99 after the first, which the receive thread lent the ring with, also in a
    // ThreadSanitizer build with both cores busy). On a busy machine the spin catches some that
    // come early (the rest woke the thread: 53 to 99 of them).
    expect(stats.rxLoopTurnsSkipped).toBeGreaterThanOrEqual(count / 2);
    expect(stats.rxWokenBatches).toBeGreaterThanOrEqual(count / 4);
  });

  it("gives the ring back to the receive thread when the batch handler is removed", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-w2", 141);
    let received = 0;
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) packets[i]?.dispose();
      received += count;
    });
    const socket = await udpFrom(kernelAddress);
    try {
      await oneAtATime(socket, peerAddress, 5, () => received);
      expect(session.stats.rxWokenBatches).toBeGreaterThan(0);
      session.setReceiveHandler(undefined);
      const woken = session.stats.rxWokenBatches;
      const inline = session.stats.rxInlineBatches;
      for (let i = 0; i < 5; i++) {
        socket.send(Buffer.from([i]), PORT, peerAddress);
        const batch = await session.receive();
        received += batch.length;
        for (const packet of batch) packet.dispose();
      }
      expect(session.stats.rxWokenBatches).toBe(woken);
      expect(session.stats.rxInlineBatches).toBe(inline);
    } finally {
      socket.close();
    }
  });

  it("closes cleanly while the JavaScript thread waits on the ring", async () => {
    const { adapter, session, kernelAddress, peerAddress } = await openSession("mgw-w3", 142);
    await sendOneAtATime(kernelAddress, peerAddress, 3, countReceived(session));
    expect(session.stats.rxWokenBatches).toBeGreaterThan(0);
    session.close();
    expect(await session.ended).toEqual({ reason: "closed" });
    adapter.close();
    expect(nativeAddon().liveResources()).toEqual({
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
    expect(await waitFor(() => session.pool.stats.inUse === 0)).toBe(true);
  });

  it("ends the session when the adapter is removed while the JavaScript thread waits on the ring", async () => {
    const { adapter, session, kernelAddress, peerAddress } = await openSession("mgw-w4", 143);
    await sendOneAtATime(kernelAddress, peerAddress, 3, countReceived(session));
    adapter.close();
    const end = await session.ended;
    expect(["closed", "adapter-removed"]).toContain(end.reason);
    expect(nativeAddon().liveResources()).toEqual({
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
  });
});

// A child process owns a session that has received a few datagrams one at a time, so its
// JavaScript thread waits on the ring, and then: "unref" unrefs it (the process must end by
// itself), "ref" does nothing (it must stay alive), "worker-terminate" / "worker-exit" run it in a
// worker that is terminated or calls process.exit() (no abort, nothing left).
const child = `
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { WinTunAdapter } from ${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)};
import { nativeAddon } from ${JSON.stringify(new URL("../../dist/native-addon.js", import.meta.url).href)};
const [mode, name, subnet] = isMainThread ? process.argv.slice(2) : workerData;
async function waitingSession() {
  const adapter = await WinTunAdapter.create({ name, tunnelType: "Magma" });
  execFileSync("sysctl", ["-qw", "net.ipv6.conf." + name + ".disable_ipv6=1"]);
  execFileSync("ip", ["addr", "add", "198.18." + subnet + ".1/24", "dev", name]);
  execFileSync("ip", ["link", "set", name, "up"]);
  const session = adapter.startSession();
  let received = 0;
  session.setReceiveHandler((packets, count) => {
    for (let i = 0; i < count; i++) packets[i].dispose();
    received += count;
  });
  const socket = createSocket("udp4");
  await new Promise((resolve) => socket.bind(0, "198.18." + subnet + ".1", resolve));
  for (let i = 0; i < 5; i++) {
    const before = received;
    socket.send(Buffer.from([i]), ${PORT}, "198.18." + subnet + ".2");
    while (received === before) await new Promise((resolve) => setTimeout(resolve, 2));
  }
  socket.close();
  if (session.stats.rxWokenBatches === 0) throw new Error("the JavaScript thread was never woken");
  return session;
}
if (mode === "unref" || mode === "ref") {
  const session = await waitingSession();
  if (mode === "unref") session.unref();
  process.stdout.write("waiting\\n");
} else if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url), { workerData: [mode, name, subnet] });
  await new Promise((resolve, reject) => { worker.once("message", resolve); worker.once("error", reject); });
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  if (mode === "worker-terminate") await worker.terminate(); else worker.postMessage("exit");
  await exited;
  process.stdout.write(JSON.stringify(nativeAddon().liveResources()) + "\\n");
} else {
  await waitingSession();
  parentPort.on("message", () => process.exit(0));
  parentPort.postMessage("waiting");
}
`;

const childDirectory = mkdtempSync(join(tmpdir(), "magma-read-event-"));
const childScript = join(childDirectory, "waiting-session.mjs");
writeFileSync(childScript, child);
afterAll(() => rmSync(childDirectory, { recursive: true, force: true }));

function runChild(mode: string, name: string, subnet: number) {
  const process_ = spawn(process.execPath, [childScript, mode, name, String(subnet)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  process_.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  process_.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    process_.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return { process: process_, exited, stdout: () => stdout, stderr: () => stderr };
}

const alive = (ms: number) =>
  new Promise<"alive">((resolve) => setTimeout(() => resolve("alive"), ms));

describeNetwork("a JavaScript thread that waits on the ring, and its event loop", () => {
  it("keeps the process alive while the session is ref'd, and lets it end once unref()'d", async () => {
    const kept = runChild("ref", "mgw-w5", 145);
    try {
      expect(await waitFor(() => kept.stdout().includes("waiting"), 10_000)).toBe(true);
      expect(await Promise.race([kept.exited, alive(1500)])).toBe("alive");
    } finally {
      kept.process.kill();
    }
    await kept.exited;

    const unrefd = runChild("unref", "mgw-w6", 146);
    expect(await Promise.race([unrefd.exited, alive(10_000)])).toEqual({ code: 0, signal: null });
    expect(unrefd.stdout()).toContain("waiting");
    expect(unrefd.stderr()).toBe("");
  });

  it.each([
    { mode: "worker-terminate", name: "mgw-w7", subnet: 147 },
    { mode: "worker-exit", name: "mgw-w8", subnet: 148 },
  ])("$mode: the worker ends cleanly, nothing left", async ({ mode, name, subnet }) => {
    const run = runChild(mode, name, subnet);
    expect(await Promise.race([run.exited, alive(15_000)])).toEqual({ code: 0, signal: null });
    expect(run.stderr()).toBe("");
    expect(JSON.parse(run.stdout().trim())).toEqual({
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
  });
});
