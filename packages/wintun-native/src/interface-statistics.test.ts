import { spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PooledPacket } from "@magma/memory-pool";
import { afterEach, expect, it } from "vitest";
import { readUdp, writeUdp } from "./test-support/ipv4-udp.js";
import { configureLink, describeNetwork, waitFor } from "./test-support/network-test.js";
import { WinTunAdapter } from "./wintun-adapter.js";
import { WinTunError } from "./wintun-error.js";

const opened: WinTunAdapter[] = [];
afterEach(() => {
  for (const adapter of opened.splice(0).reverse()) adapter.close();
});

async function create(name: string, subnet: number): Promise<WinTunAdapter> {
  const adapter = await WinTunAdapter.create({ name });
  opened.push(adapter);
  configureLink(name, subnet);
  return adapter;
}

const FLOOD_PORT = 9200;

describeNetwork("adapter.interfaceStatistics()", () => {
  it("counts what the application sends as received by the system (rx), packets and bytes", async () => {
    const adapter = await create("mgw-ad-st1", 101);
    const session = adapter.startSession();
    const socket = dgram.createSocket("udp4");
    socket.bind(40101, "198.18.101.1");
    await once(socket, "listening");
    let arrived = 0;
    socket.on("message", () => arrived++);
    const before = adapter.interfaceStatistics();
    const packet = new Uint8Array(128);
    const length = writeUdp(packet, "198.18.101.2", "198.18.101.1", 6000, 40101, 100, (p) =>
      p.fill(7),
    );
    for (let i = 0; i < 10; i++) expect(session.send([packet.subarray(0, length)])).toBe(1);
    expect(await waitFor(() => arrived === 10)).toBe(true);
    socket.close();
    const after = adapter.interfaceStatistics();
    expect(after.rxPackets - before.rxPackets).toBe(10);
    expect(after.rxBytes - before.rxBytes).toBe(10 * length);
    expect(after.rxDropped).toBe(0);
    expect(after.rxErrors).toBe(0);
  });

  it("shows what a blocked receiver loses: delivered and counted drops add up to every datagram sent", async () => {
    // The smallest ring (128 KiB, about 3,600 of these 32-byte datagrams) and a JavaScript thread
    // that does not come back until the whole flood has been sent: the ring fills, and the rest is
    // lost in the emulated driver (ring full: wintun.sys's OutDiscards) or in the kernel's TUN
    // queue (tx_dropped), which neither the session nor the port can see.
    const adapter = await create("mgw-ad-st2", 100);
    const session = adapter.startSession({ capacity: 0x20000 });
    let delivered = 0;
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) {
        const packet = packets[i] as PooledPacket;
        const datagram = readUdp(packet.memory.subarray(0, packet.length));
        if (datagram?.destinationPort === FLOOD_PORT) delivered++;
        packet.dispose();
      }
    });
    const sent = 20_000;
    const doneFile = join(mkdtempSync(join(tmpdir(), "magma-stats-")), "sent");
    try {
      const sender = spawn(
        process.execPath,
        [
          fileURLToPath(new URL("./test-support/sequenced-udp-sender.mjs", import.meta.url)),
          "198.18.100.1",
          "198.18.100.2",
          String(FLOOD_PORT),
          String(sent),
          "0",
          doneFile,
        ],
        { stdio: ["ignore", "ignore", "inherit"] },
      );
      const exited = once(sender, "close");
      // Blocked, as a receiver busy with something else: no batch is taken meanwhile.
      const deadline = performance.now() + 20_000;
      while (!existsSync(doneFile) && performance.now() < deadline) {
        // Busy, bounded.
      }
      expect(existsSync(doneFile)).toBe(true);
      expect(await exited).toEqual([0, null]);
    } finally {
      rmSync(dirname(doneFile), { recursive: true, force: true });
    }
    const accounted = () => {
      const statistics = adapter.interfaceStatistics();
      const drops = session.stats.drops.poolExhausted;
      return (
        statistics.txPackets + statistics.txDropped === sent &&
        delivered + drops === statistics.txPackets
      );
    };
    expect(await waitFor(accounted, 15_000)).toBe(true);
    const statistics = adapter.interfaceStatistics();
    // Tolerance 0: with IPv6 off nothing else crosses the link.
    expect(statistics.txPackets + statistics.txDropped).toBe(sent);
    expect(delivered + session.stats.drops.poolExhausted).toBe(statistics.txPackets);
    expect(statistics.txDropped).toBeGreaterThan(0);
    expect(delivered).toBeLessThan(sent);
    expect(statistics.txErrors).toBe(0);
  });

  it("refuses a closed adapter with ERROR_INVALID_HANDLE", async () => {
    const adapter = await create("mgw-ad-st3", 102);
    adapter.close();
    expect(() => adapter.interfaceStatistics()).toThrow(WinTunError);
    try {
      adapter.interfaceStatistics();
    } catch (error) {
      expect((error as WinTunError).code).toBe(6);
    }
  });
});
