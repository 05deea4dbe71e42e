// A session over a TAP-Windows device (native/src/tap/tap_packet_ring.h) rather than a wintun
// ring: the same receive pump, send path and close order, driven through tools/tap-windows-emu
// by kernel UDP traffic. @magma/tap-legacy tests TapPort on top; these run with the addon's
// sanitizer builds too (scripts/run-asan-tests.sh, run-tsan-tests.sh), which build the emulator
// with the same sanitizer and name it in MAGMA_TAP_LIBRARY.
import * as dgram from "node:dgram";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { PacketMemoryPool, type PooledPacket } from "@magma/memory-pool";
import { afterEach, expect, it } from "vitest";
import { type NativeTapDevice, type NativeTapLibrary, nativeAddon } from "../native-addon.js";
import { readUdp, writeUdp } from "../test-support/ipv4-udp.js";
import { configureLink, describeNetwork, waitFor } from "../test-support/network-test.js";
import { WinTunSession } from "./wintun-session.js";

const SUBNET = 133;
const KERNEL = `198.18.${SUBNET}.1`;
const PEER = `198.18.${SUBNET}.2`;

function tapLibrary(): NativeTapLibrary {
  const load = nativeAddon().loadTapLibrary;
  if (load === undefined) throw new Error("this build of the addon has no TAP code");
  const path =
    process.env.MAGMA_TAP_LIBRARY ??
    fileURLToPath(
      new URL("../../../../tools/tap-windows-emu/build/libtapwindowsemu.so", import.meta.url),
    );
  return load(path);
}

const opened: { session: WinTunSession; device: NativeTapDevice; guid: string }[] = [];

afterEach(() => {
  const library = tapLibrary();
  for (const { session, device, guid } of opened.splice(0)) {
    session.close();
    device.close();
    try {
      library.deleteAdapter(guid);
    } catch {
      // Deleted by the test itself.
    }
  }
  expect(nativeAddon().liveResources()).toMatchObject({
    sessions: 0,
    receiveThreads: 0,
    tapDevices: 0,
  });
});

/** An emulated tap0901 adapter in TUN mode for 198.18.133.0/24, its session, and the kernel side up. */
function openTapSession(name: string, pool = new PacketMemoryPool()) {
  const library = tapLibrary();
  const guid = library.createAdapter(name, null);
  const device = library.openDevice(guid);
  // CONFIG_TUN: local = the kernel's address, so the driver answers its ARP for .2 (reference B.4).
  device.configureTun(
    new Uint8Array([198, 18, SUBNET, 1]),
    new Uint8Array([198, 18, SUBNET, 0]),
    new Uint8Array([255, 255, 255, 0]),
  );
  device.setMediaStatus(true);
  const session = new WinTunSession({ native: device, sessionEnded: () => {} }, { pool });
  opened.push({ session, device, guid });
  const record = library.listAdapters().find((adapter) => adapter.guid === guid);
  configureLink(record?.interfaceName as string, SUBNET);
  return { library, guid, device, session };
}

/** Answers every UDP datagram to PEER:9000 with the same payload, one send per batch. */
function answerUdp(session: WinTunSession): { answered: () => number } {
  let answered = 0;
  const replies: PooledPacket[] = [];
  session.setReceiveHandler((packets, count) => {
    let queued = 0;
    for (let i = 0; i < count; i++) {
      const packet = packets[i] as PooledPacket;
      const datagram = readUdp(packet.memory.subarray(0, packet.length));
      const reply =
        datagram?.destination === PEER ? session.pool.tryRent(packet.length) : undefined;
      if (datagram !== undefined && reply !== undefined) {
        reply.length = writeUdp(
          reply.memory,
          PEER,
          datagram.source,
          9000,
          datagram.sourcePort,
          datagram.payload.length,
          (payload) => payload.set(datagram.payload),
        );
        replies[queued++] = reply;
      }
      packet.dispose();
    }
    answered += session.sendPooled(replies, queued);
    for (let i = 0; i < queued; i++) (replies[i] as PooledPacket).dispose();
  });
  return { answered: () => answered };
}

async function kernelSocket(): Promise<{ socket: dgram.Socket; replies: () => number }> {
  const socket = dgram.createSocket("udp4");
  socket.bind(0, KERNEL);
  await once(socket, "listening");
  let replies = 0;
  socket.on("message", () => replies++);
  return { socket, replies: () => replies };
}

/** Sends bursts of datagrams to PEER each turn until the session ends, for at most 1.5 s. */
function floodPeer(socket: dgram.Socket, session: WinTunSession): void {
  const deadline = Date.now() + 1500;
  const payload = Buffer.alloc(200, 7);
  const burst = (): void => {
    if (Date.now() > deadline || session.isClosed) return;
    for (let i = 0; i < 32; i++) socket.send(payload, 9000, PEER);
    setImmediate(burst);
  };
  burst();
}

describeNetwork("WinTunSession over a TAP device", () => {
  it("answers kernel UDP through overlapped reads and writes, batch by batch", async () => {
    const { session } = openTapSession("mgt-s1");
    const echo = answerUdp(session);
    const { socket, replies } = await kernelSocket();
    const total = 2000;
    for (let sent = 0; sent < total; sent += 50) {
      for (let i = 0; i < 50; i++) socket.send(Buffer.alloc(100, i), 9000, PEER);
      // Paced so the driver's 64-packet queue and the posted reads keep up (B.5).
      await waitFor(() => replies() >= sent + 40, 2000);
    }
    await waitFor(() => replies() >= total * 0.99, 3000);
    socket.close();
    expect(replies()).toBeGreaterThanOrEqual(total * 0.99);
    const stats = session.stats;
    expect(stats.txPackets).toBe(echo.answered());
    expect(stats.rxPackets).toBeGreaterThanOrEqual(replies());
    expect(stats.drops).toMatchObject({ invalidPacket: 0, invalidReceived: 0, sendRingFull: 0 });
    session.close();
    expect(session.pool.stats.inUse).toBe(0);
  });

  it("counts sends the driver would refuse (below 20 bytes, above the MTU) and sends the rest", () => {
    const { session } = openTapSession("mgt-s2");
    const short = new Uint8Array(19);
    const long = new Uint8Array(1501);
    const fine = new Uint8Array(64);
    writeUdp(fine, PEER, KERNEL, 9000, 9, 36, (payload) => payload.fill(1));
    expect(session.send([short, fine, long, fine])).toBe(2);
    expect(session.stats.drops.invalidPacket).toBe(2);
    expect(session.stats.txPackets).toBe(2);
  });

  it("closes under load: reads and writes cancelled and waited for, nothing left", async () => {
    const pool = new PacketMemoryPool();
    const { session } = openTapSession("mgt-s3", pool);
    answerUdp(session);
    const { socket } = await kernelSocket();
    floodPeer(socket, session);
    await new Promise((resolve) => setTimeout(resolve, 200));
    session.close();
    expect(await session.ended).toEqual({ reason: "closed" });
    socket.close();
    expect(pool.stats.inUse).toBe(0);
    expect(nativeAddon().liveResources()).toMatchObject({ sessions: 0, receiveThreads: 0 });
  });

  it("ends as adapter-removed when the adapter goes away under load (B.5)", async () => {
    const pool = new PacketMemoryPool();
    const { library, guid, session } = openTapSession("mgt-s4", pool);
    answerUdp(session);
    const { socket } = await kernelSocket();
    socket.on("error", () => {}); // the route goes with the interface
    floodPeer(socket, session);
    await new Promise((resolve) => setTimeout(resolve, 200));
    library.deleteAdapter(guid);
    const end = await session.ended;
    expect(end.reason).toBe("adapter-removed");
    socket.close();
    session.close();
    expect(pool.stats.inUse).toBe(0);
  });
});
