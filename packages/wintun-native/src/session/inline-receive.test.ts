import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PacketMemoryPool, type PooledPacket } from "@magma/memory-pool";
import { OptionError } from "@magma/transport";
import { afterEach, expect, it, vi } from "vitest";
import { nativeAddon } from "../native-addon.js";
import { readUdp } from "../test-support/ipv4-udp.js";
import { describeNetwork, run, waitFor } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";
import { WinTunAdapter } from "../wintun-adapter.js";
import type { WinTunSession } from "./wintun-session.js";

afterEach(closeSessions);

const FLOOD_PORT = 9100;
const SENT = { code: 0, stderr: "" };

/**
 * Sends `count` numbered datagrams to `to` from a separate process; resolves with its exit code and
 * what it printed on failure.
 */
async function floodFromAnotherProcess(
  from: string,
  to: string,
  count: number,
  pause?: { afterFirstMs: number; doneFile: string },
): Promise<{ code: number; stderr: string }> {
  const sender = spawn(
    process.execPath,
    [
      new URL("../test-support/sequenced-udp-sender.mjs", import.meta.url).pathname,
      from,
      to,
      String(FLOOD_PORT),
      String(count),
      ...(pause === undefined ? [] : [String(pause.afterFirstMs), pause.doneFile]),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  sender.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(sender, "close")) as [number];
  return { code, stderr };
}

/**
 * Datagrams the kernel dropped on their way into the adapter (its transmit queue was full), from
 * /proc/net/dev, which shows this process's network namespace (/sys/class/net may not).
 */
function kernelDrops(interfaceName: string): number {
  for (const line of readFileSync("/proc/net/dev", "utf8").split("\n")) {
    const [name, counters] = line.split(":");
    if (name?.trim() !== interfaceName || counters === undefined) continue;
    // 8 receive counters, then transmit: bytes packets errs drop ...
    return Number(counters.trim().split(/\s+/)[11]);
  }
  throw new Error(`${interfaceName} is not in /proc/net/dev`);
}

/** Checks the sequence numbers of flood datagrams as they arrive. */
class SequenceCheck {
  received = 0;
  outOfOrder = 0;
  #last = -1;

  take(packet: PooledPacket): void {
    this.note(packet);
    packet.dispose();
  }

  /** Checks the packet and leaves it to the caller. */
  note(packet: PooledPacket): void {
    const datagram = readUdp(packet.memory.subarray(0, packet.length));
    if (datagram?.destinationPort === FLOOD_PORT && datagram.payload.length === 4) {
      const sequence = new DataView(datagram.payload.buffer, datagram.payload.byteOffset).getUint32(
        0,
      );
      if (sequence <= this.#last) this.outOfOrder++;
      this.#last = sequence;
      this.received++;
    }
  }
}

/** Waits until every datagram of the flood is either received or counted as dropped by the kernel. */
async function allAccountedFor(
  check: SequenceCheck,
  interfaceName: string,
  count: number,
): Promise<void> {
  const accounted = (): number => check.received + kernelDrops(interfaceName);
  expect(await waitFor(() => accounted() >= count, 10_000)).toBe(true);
  expect(accounted()).toBe(count);
}

function handOver(session: WinTunSession, check: SequenceCheck): void {
  session.setReceiveHandler((packets, count) => {
    for (let i = 0; i < count; i++) check.take(packets[i] as PooledPacket);
  });
}

/**
 * A 1 ms timer that counts its runs which found batches received on the JavaScript thread since
 * its last run: if receiving there never let the event loop turn, no run could fall between them.
 */
function countTicksBetweenInlineBatches(session: WinTunSession): {
  readonly afterInlineBatches: number;
  stop(): void;
} {
  let afterInlineBatches = 0;
  let inlineAtLastTick = 0;
  const timer = setInterval(() => {
    const inline = session.stats.rxInlineBatches;
    if (inline > inlineAtLastTick) afterInlineBatches++;
    inlineAtLastTick = inline;
  }, 1);
  return {
    get afterInlineBatches() {
      return afterInlineBatches;
    },
    stop: () => clearInterval(timer),
  };
}

/** Keeps the JavaScript thread busy for `milliseconds`, as a handler with real work would. */
function keepBusy(milliseconds: number): void {
  const until = performance.now() + milliseconds;
  while (performance.now() < until) {
    // Working.
  }
}

describeNetwork("WinTunSession receiving on the JavaScript thread", () => {
  it("receives batches itself under a flood, in order, and still returns to the event loop", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-i1", 31);
    const check = new SequenceCheck();
    handOver(session, check);
    const ticks = countTicksBetweenInlineBatches(session);
    const count = 100_000;
    try {
      expect(await floodFromAnotherProcess(kernelAddress, peerAddress, count)).toEqual(SENT);
      await allAccountedFor(check, "mgw-i1", count);
    } finally {
      ticks.stop();
    }
    expect(check.outOfOrder).toBe(0);
    const stats = session.stats;
    expect(stats.rxPackets).toBe(check.received);
    expect(stats.rxInlineBatches).toBeGreaterThan(0);
    expect(stats.rxInlineBatches).toBeLessThan(stats.rxBatches);
    expect(ticks.afterInlineBatches).toBeGreaterThanOrEqual(2);
    expect(stats.drops.poolExhausted).toBe(0);
  });

  it("keeps the ring across turns of the event loop while a slow handler has work, so timers run between batches, turning through the read event (no setImmediate per turn)", async () => {
    // On Linux the binding signals the read event itself and keeps watching it, which allocates
    // nothing; the session's setImmediate(#goOnReceiving) (an object per turn) is the fallback
    // where the event loop cannot watch the read event. Counted by the callback's name.
    const immediate = vi.spyOn(globalThis, "setImmediate");
    const goOnLater = (): number =>
      immediate.mock.calls.filter(([callback]) => callback.name === "#goOnReceiving").length;
    try {
      const { session, kernelAddress, peerAddress } = await openSession("mgw-i7", 36);
      const check = new SequenceCheck();
      // Each batch takes 2 ms, twice the default budget: JavaScript lets the event loop turn after
      // every batch. Were the ring handed back to the thread each time, about every other batch
      // would come from the thread.
      session.setReceiveHandler((packets, count) => {
        keepBusy(2);
        for (let i = 0; i < count; i++) check.take(packets[i] as PooledPacket);
      });
      const ticks = countTicksBetweenInlineBatches(session);
      const count = 20_000;
      try {
        expect(await floodFromAnotherProcess(kernelAddress, peerAddress, count)).toEqual(SENT);
        await allAccountedFor(check, "mgw-i7", count);
      } finally {
        ticks.stop();
      }
      expect(check.outOfOrder).toBe(0);
      const stats = session.stats;
      expect(stats.rxInlineBatches / stats.rxBatches).toBeGreaterThan(0.8);
      expect(ticks.afterInlineBatches).toBeGreaterThanOrEqual(10);
      expect(goOnLater()).toBe(0);
    } finally {
      immediate.mockRestore();
    }
  });

  it("goes on receiving without a turn while the event loop has nothing due, yet runs ticks every budget and turns for timers and I/O", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-id", 136);
    const check = new SequenceCheck();
    // Half a budget of work per batch, so the flood lasts a while; every batch queues a tick.
    const batchesAtTicks: number[] = [];
    // Set once JavaScript receives from the ring itself: a timer or a read that completed before
    // then (the first batches come from the thread) would say nothing of turns between its batches.
    let batchesAtStart = -1;
    let batchesAtTimer = -1;
    let batchesAtRead = -1;
    session.setReceiveHandler((packets, count) => {
      if (batchesAtStart === -1 && session.stats.rxInlineBatches > 0) {
        batchesAtStart = session.stats.rxInlineBatches;
        setTimeout(() => {
          batchesAtTimer = session.stats.rxInlineBatches;
        }, 20);
        // Completes through the thread pool, which wakes the event loop by I/O on its poll set.
        void readFile("/proc/self/status").then(() => {
          batchesAtRead = session.stats.rxInlineBatches;
        });
      }
      keepBusy(0.5);
      for (let i = 0; i < count; i++) check.take(packets[i] as PooledPacket);
      process.nextTick(() => batchesAtTicks.push(session.stats.rxInlineBatches));
    });
    const count = 100_000;
    expect(await floodFromAnotherProcess(kernelAddress, peerAddress, count)).toEqual(SENT);
    await allAccountedFor(check, "mgw-id", count);
    expect(check.outOfOrder).toBe(0);
    const stats = session.stats;
    expect(stats.rxLoopTurnsSkipped).toBeGreaterThan(0);
    // Each batch's tick ran, and not all at the end: the ticks ran at many points of the flood.
    expect(batchesAtTicks.length).toBe(stats.rxBatches);
    expect(new Set(batchesAtTicks).size).toBeGreaterThanOrEqual(10);
    // The timer and the file read each ran, after JavaScript began receiving from the ring and
    // while it still had batches to receive.
    expect(batchesAtStart).toBeGreaterThan(0);
    expect(batchesAtTimer).toBeGreaterThanOrEqual(batchesAtStart);
    expect(batchesAtTimer).toBeLessThan(stats.rxInlineBatches);
    expect(batchesAtRead).toBeGreaterThanOrEqual(batchesAtStart);
    expect(batchesAtRead).toBeLessThan(stats.rxInlineBatches);
  });

  it("hands the first packet after an empty ring to the handler alone, and what queued behind it in the next batch", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-ic", 41);
    const doneFile = join(mkdtempSync(join(tmpdir(), "magma-burst-")), "sent");
    // Flood datagrams per batch, in order; batches of other packets (none expected) are left out.
    const batches: number[] = [];
    let blocked = false;
    session.setReceiveHandler((packets, count) => {
      let flood = 0;
      for (let i = 0; i < count; i++) {
        const packet = packets[i] as PooledPacket;
        const datagram = readUdp(packet.memory.subarray(0, packet.length));
        if (datagram?.destinationPort === FLOOD_PORT) flood++;
        packet.dispose();
      }
      if (flood > 0) batches.push(flood);
      if (blocked) return;
      blocked = true;
      // Datagram 0 is in; the ring is empty and this thread waits on the read event. Keep it busy
      // while the other 20 reach the ring, so they are all there when it next looks.
      setTimeout(() => {
        const deadline = performance.now() + 10_000;
        while (!existsSync(doneFile) && performance.now() < deadline) {
          // Waiting for the sender, bounded.
        }
        keepBusy(50);
      }, 20);
    });
    try {
      const sent = await floodFromAnotherProcess(kernelAddress, peerAddress, 21, {
        afterFirstMs: 200,
        doneFile,
      });
      expect(sent).toEqual(SENT);
      expect(await waitFor(() => batches.reduce((sum, n) => sum + n, 0) >= 21, 10_000)).toBe(true);
    } finally {
      rmSync(dirname(doneFile), { recursive: true, force: true });
    }
    // Before: [1, 20]. The reply to the first packet should not wait for a look at the ring.
    expect(batches).toEqual([1, 1, 19]);
  });

  it("lets the event loop turn when slots run dry while it holds the ring, so packets disposed there are not dropped", async () => {
    // 48 small slots, 16 kept ready for receiving; the application keeps every packet until its
    // next turn. The flood waits in the ring while the first handler call runs, so JavaScript
    // receives all of it itself, running out of slots every few batches.
    const pool = new PacketMemoryPool({ slotsPerSlab: 48, slabCount: 1, largeSlotCount: 2 });
    const { session, kernelAddress, peerAddress } = await openSession("mgw-i8", 37, {
      pool,
      receiveSlots: 16,
    });
    const doneFile = join(mkdtempSync(join(tmpdir(), "magma-flood-")), "sent");
    const check = new SequenceCheck();
    const held: PooledPacket[] = [];
    let releaseScheduled = false;
    let firstCall = true;
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) {
        check.note(packets[i] as PooledPacket);
        held.push(packets[i] as PooledPacket);
      }
      if (!releaseScheduled) {
        releaseScheduled = true;
        setImmediate(() => {
          releaseScheduled = false;
          for (const packet of held.splice(0)) packet.dispose();
        });
      }
      if (firstCall) {
        // This batch came with the ring: hold it until the whole flood has been sent, and a
        // moment more for the last datagrams to reach the ring.
        firstCall = false;
        const deadline = performance.now() + 10_000;
        while (!existsSync(doneFile) && performance.now() < deadline) {
          // Waiting for the sender, bounded.
        }
        keepBusy(50); // while the emulator moves the last datagrams into the ring
      }
    });
    const count = 3000;
    try {
      const sent = await floodFromAnotherProcess(kernelAddress, peerAddress, count, {
        afterFirstMs: 200,
        doneFile,
      });
      expect(sent).toEqual(SENT);
    } finally {
      rmSync(dirname(doneFile), { recursive: true, force: true });
    }
    const dropped = (): number => session.stats.drops.poolExhausted;
    await waitFor(() => check.received + kernelDrops("mgw-i8") + dropped() >= count, 10_000);
    expect(dropped()).toBe(0);
    await allAccountedFor(check, "mgw-i8", count);
    expect(check.outOfOrder).toBe(0);
    expect(session.stats.rxInlineBatches).toBeGreaterThan(count / 16 / 2);
    expect(await waitFor(() => pool.stats.small.inUse === 16)).toBe(true);
  });

  it("closes cleanly from a timer while JavaScript keeps the ring between turns", async () => {
    const { adapter, session, kernelAddress, peerAddress } = await openSession("mgw-i9", 38);
    let batches = 0;
    // 2 ms per batch, twice the budget: between batches JavaScript keeps the ring and waits for
    // its next turn, which is when the timer below runs.
    session.setReceiveHandler((packets, count) => {
      keepBusy(2);
      for (let i = 0; i < count; i++) (packets[i] as PooledPacket).dispose();
      batches++;
    });
    const flood = floodFromAnotherProcess(kernelAddress, peerAddress, 50_000);
    expect(await waitFor(() => batches >= 20, 10_000)).toBe(true);
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        session.close();
        resolve();
      }, 0),
    );
    expect(await session.ended).toEqual({ reason: "closed" });
    expect(session.stats.rxInlineBatches).toBeGreaterThan(0);
    adapter.close();
    await flood;
    expect(nativeAddon().liveResources()).toEqual({
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
    expect(await waitFor(() => session.pool.stats.inUse === 0)).toBe(true);
  });

  it("closes from inside a handler called for a batch JavaScript received itself", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-ia", 39);
    let inlineAtClose = 0;
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) (packets[i] as PooledPacket).dispose();
      const inline = session.stats.rxInlineBatches;
      if (inline >= 5 && !session.isClosed) {
        inlineAtClose = inline;
        session.close();
      }
    });
    const flood = floodFromAnotherProcess(kernelAddress, peerAddress, 50_000);
    expect(await session.ended).toEqual({ reason: "closed" });
    await flood;
    expect(inlineAtClose).toBeGreaterThanOrEqual(5);
    expect(session.stats.rxInlineBatches).toBe(inlineAtClose);
    expect(await waitFor(() => session.pool.stats.inUse === 0)).toBe(true);
  });

  it("leaves every batch to the receive thread with inlineReceiveMicroseconds: 0", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-i2", 32, {
      inlineReceiveMicroseconds: 0,
    });
    const check = new SequenceCheck();
    handOver(session, check);
    const count = 30_000;
    expect(await floodFromAnotherProcess(kernelAddress, peerAddress, count)).toEqual(SENT);
    await allAccountedFor(check, "mgw-i2", count);
    expect(check.outOfOrder).toBe(0);
    expect(session.stats.rxBatches).toBeGreaterThan(0);
    expect(session.stats.rxInlineBatches).toBe(0);
  });

  it("never lends the ring to receive() and the batch iterator, which take batches later", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-i3", 33);
    const check = new SequenceCheck();
    const count = 30_000;
    const flood = floodFromAnotherProcess(kernelAddress, peerAddress, count);
    const reading = (async () => {
      for await (const batch of session.batches({ signal: AbortSignal.timeout(10_000) })) {
        for (const packet of batch) check.take(packet);
        if (check.received + kernelDrops("mgw-i3") >= count) return;
      }
    })();
    expect(await flood).toEqual(SENT);
    await reading;
    await allAccountedFor(check, "mgw-i3", count);
    expect(check.outOfOrder).toBe(0);
    expect(session.stats.rxInlineBatches).toBe(0);
  });

  it("hands what follows to receive() when the handler removes itself, losing nothing", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-i4", 34);
    const check = new SequenceCheck();
    let handlerBatches = 0;
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) check.take(packets[i] as PooledPacket);
      if (++handlerBatches === 20) session.setReceiveHandler(undefined);
    });
    const count = 60_000;
    const flood = floodFromAnotherProcess(kernelAddress, peerAddress, count);
    expect(await waitFor(() => handlerBatches >= 20, 10_000)).toBe(true);
    const fromHandler = check.received;
    const deadline = AbortSignal.timeout(10_000);
    while (check.received + kernelDrops("mgw-i4") < count) {
      for (const packet of await session.receive({ signal: deadline })) check.take(packet);
    }
    expect(await flood).toEqual(SENT);
    await allAccountedFor(check, "mgw-i4", count);
    expect(handlerBatches).toBe(20);
    expect(check.received).toBeGreaterThan(fromHandler);
    expect(check.outOfOrder).toBe(0);
  });

  it("ends as adapter-removed when the adapter goes while JavaScript holds the ring", async () => {
    const { adapter, session, kernelAddress, peerAddress } = await openSession("mgw-i5", 35);
    let batches = 0;
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) (packets[i] as PooledPacket).dispose();
      // The first batch came with the ring: the next receive on this thread meets the end.
      if (++batches === 1) run("ip", ["link", "del", "mgw-i5"]);
    });
    // The sender fails once its source address is gone with the link; its exit code says nothing here.
    const flood = floodFromAnotherProcess(kernelAddress, peerAddress, 20_000);
    const end = await session.ended;
    await flood;
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(end.reason).toBe("adapter-removed");
    expect(end.error?.symbol).toBe("ERROR_HANDLE_EOF");
    // Batches the thread published before the end still reach the handler, which disposes them.
    expect(await waitFor(() => session.pool.stats.inUse === 0)).toBe(true);
    adapter.close();
  });

  it("refuses an inlineReceiveMicroseconds that is not a whole number of microseconds up to 1 s", async () => {
    const adapter = await WinTunAdapter.create({ name: "mgw-i6", tunnelType: "Magma" });
    try {
      for (const inlineReceiveMicroseconds of [-1, 1.5, 1_000_001, Number.NaN]) {
        expect(() => adapter.startSession({ inlineReceiveMicroseconds })).toThrow(OptionError);
      }
      expect(adapter.startSession({ inlineReceiveMicroseconds: 1_000_000 }).isClosed).toBe(false);
    } finally {
      adapter.close();
    }
  });
});
