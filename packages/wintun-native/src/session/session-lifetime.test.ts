import * as dgram from "node:dgram";
import { once } from "node:events";
import { PacketMemoryPool, type PooledPacket } from "@magma/memory-pool";
import { afterEach, expect, it } from "vitest";
import { nativeAddon } from "../native-addon.js";
import {
  describeNetwork,
  linkExists,
  run,
  threadCount,
  waitFor,
} from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";
import { WinTunError } from "../wintun-error.js";

afterEach(closeSessions);

/** Floods `address` from a kernel socket until stopped; every loop is bounded by `limitMs`. */
async function flood(
  from: string,
  to: string,
  limitMs: number,
): Promise<{ stop(): void; sent(): number }> {
  const socket = dgram.createSocket("udp4");
  socket.bind(0, from);
  await once(socket, "listening");
  let running = true;
  let sent = 0;
  const payload = Buffer.alloc(200, 0x5a);
  const deadline = Date.now() + limitMs;
  const burst = (): void => {
    if (!running || Date.now() > deadline) return;
    for (let i = 0; i < 64; i++) {
      socket.send(payload, 9000, to);
      sent++;
    }
    setImmediate(burst);
  };
  burst();
  return {
    stop: () => {
      running = false;
      socket.close();
    },
    sent: () => sent,
  };
}

describeNetwork("WinTunSession lifetime", () => {
  it("closes under load leaving no interface, no thread and no rented slot", async () => {
    const baseline = threadCount();
    const { adapter, session, kernelAddress, peerAddress } = await openSession("mgw-l1", 21);
    let delivered = 0;
    const held: PooledPacket[] = [];
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) {
        const packet = packets[i] as PooledPacket;
        delivered++;
        // Keep a few across the close: a lent packet must stay readable after it.
        if (held.length < 8) held.push(packet);
        else packet.dispose();
      }
    });
    const load = await flood(kernelAddress, peerAddress, 10_000);
    expect(await waitFor(() => delivered > 2000)).toBe(true);
    expect(threadCount()).toBeGreaterThan(baseline);
    adapter.close();
    load.stop();
    expect(session.isClosed).toBe(true);
    expect(await session.ended).toEqual({ reason: "closed" });
    expect(linkExists("mgw-l1")).toBe(false);
    expect(nativeAddon().liveResources()).toEqual({
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
    for (const packet of held) {
      expect(packet.memory[0]).toBe(0x45);
      packet.dispose();
    }
    expect(await waitFor(() => threadCount() === baseline)).toBe(true);
    // Batches already on their way to JavaScript when it closed are returned to the pool as they land.
    expect(await waitFor(() => session.pool.stats.inUse === 0)).toBe(true);
    expect(session.send([new Uint8Array(20)])).toBe(0);
    expect(session.stats.drops.sessionEnded).toBe(1);
  });

  it("keeps receiving when a batch handler throws and nobody listens for errors", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-l9", 29);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      if (warning.message === "handler bug") warnings.push(warning);
    };
    process.on("warning", onWarning);
    let delivered = 0;
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) (packets[i] as PooledPacket).dispose();
      delivered += count;
      throw new Error("handler bug");
    });
    const load = await flood(kernelAddress, peerAddress, 10_000);
    try {
      // Far more packets than the thread's stock of slots: only refills after a throw keep it going.
      expect(await waitFor(() => delivered > 2000, 8000)).toBe(true);
    } finally {
      load.stop();
      process.off("warning", onWarning);
    }
    expect(warnings.length).toBeGreaterThan(0);
    expect(session.stats.drops.poolExhausted).toBe(0);
  });

  it("closes from inside its own batch handler", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-l2", 22);
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) (packets[i] as PooledPacket).dispose();
      session.close();
    });
    const load = await flood(kernelAddress, peerAddress, 10_000);
    expect(await session.ended).toEqual({ reason: "closed" });
    load.stop();
    expect(await waitFor(() => session.pool.stats.inUse === 0)).toBe(true);
  });

  it("ends cleanly with a reason when the interface is deleted from outside", async () => {
    const baseline = threadCount();
    const { adapter, session, kernelAddress, peerAddress } = await openSession("mgw-l3", 23);
    const events: unknown[] = [];
    session.on("end", (end) => events.push(end));
    const load = await flood(kernelAddress, peerAddress, 10_000);
    const batches = (async () => {
      let packets = 0;
      for await (const batch of session) {
        for (const packet of batch) packet.dispose();
        packets += batch.length;
      }
      return packets;
    })();
    await waitFor(() => session.stats.rxPackets > 500);
    run("ip", ["link", "del", "mgw-l3"]);
    const end = await session.ended;
    load.stop();
    expect(end.reason).toBe("adapter-removed");
    expect(end.error).toBeInstanceOf(WinTunError);
    expect(end.error?.code).toBe(38);
    expect(end.error?.symbol).toBe("ERROR_HANDLE_EOF");
    expect(events).toEqual([end]);
    // The iterator ends (no throw) once the packets received before the end are taken.
    expect(await batches).toBeGreaterThan(500);
    await expect(session.receive()).rejects.toMatchObject({ code: 38 });
    expect(nativeAddon().liveResources()).toEqual({
      adapters: 1,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
    adapter.close();
    expect(nativeAddon().liveResources()).toEqual({
      adapters: 0,
      sessions: 0,
      receiveThreads: 0,
      tapDevices: 0,
    });
    expect(await waitFor(() => threadCount() === baseline)).toBe(true);
    expect(session.pool.stats.inUse).toBe(0);
  });

  it("cancels receive() and the batch iterator with an AbortSignal", async () => {
    const { session } = await openSession("mgw-l4", 24);
    const controller = new AbortController();
    const pending = session.receive({ signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(session.receive({ signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
    const iterate = async (): Promise<void> => {
      for await (const batch of session.batches({ signal: AbortSignal.timeout(50) })) {
        for (const packet of batch) packet.dispose();
      }
    };
    await expect(iterate()).rejects.toMatchObject({ name: "TimeoutError" });
    expect(session.isClosed).toBe(false);
  });

  it("counts packets dropped while the application holds every slot, and recovers when it lets go", async () => {
    const pool = new PacketMemoryPool({ slotsPerSlab: 64, slabCount: 1, largeSlotCount: 2 });
    const { session, kernelAddress, peerAddress } = await openSession("mgw-l5", 25, {
      pool,
      receiveSlots: 16,
    });
    const held: PooledPacket[] = [];
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) held.push(packets[i] as PooledPacket);
    });
    const socket = dgram.createSocket("udp4");
    socket.bind(0, kernelAddress);
    await once(socket, "listening");
    const sendSome = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) socket.send(Buffer.alloc(8), 9001, peerAddress);
      await new Promise((resolve) => setTimeout(resolve, 50));
    };
    for (let round = 0; round < 10 && session.stats.drops.poolExhausted === 0; round++)
      await sendSome(32);
    expect(session.stats.drops.poolExhausted).toBeGreaterThan(0);
    expect(held.length).toBeLessThanOrEqual(64);
    for (const packet of held.splice(0)) packet.dispose();
    // Packets arriving before the session restocks (a 1 ms retry) are still dropped: wait for it.
    expect(await waitFor(() => pool.stats.small.inUse === 16)).toBe(true);
    const before = session.stats.rxPackets;
    await sendSome(8);
    expect(await waitFor(() => session.stats.rxPackets >= before + 8)).toBe(true);
    for (const packet of held.splice(0)) packet.dispose();
    socket.close();
  });

  it("counts malformed sends instead of passing them to the ring", async () => {
    const { session } = await openSession("mgw-l7", 27);
    const other = new PacketMemoryPool({ slotsPerSlab: 8, slabCount: 1, largeSlotCount: 0 });
    const foreign = other.tryRent() as PooledPacket;
    foreign.length = 20;
    expect(session.sendPooled([foreign])).toBe(0);
    expect(session.send([new Uint8Array(0), new Uint8Array(65536)])).toBe(0);
    expect(session.stats.drops.invalidPacket).toBe(3);
    foreign.dispose();
  });
});
