import * as dgram from "node:dgram";
import { once } from "node:events";
import { PacketMemoryPool, type PooledPacket } from "@magma/memory-pool";
import { turnUdpIntoReply } from "@magma/packets";
import {
  type IPacketReceiver,
  type IPacketTransmitter,
  PacketLengthError,
  type PacketOwner,
} from "@magma/transport";
import { afterEach, expect, it } from "vitest";
import { writeUdp } from "../test-support/ipv4-udp.js";
import { describeNetwork, linkExists, waitFor } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";
import type { WinTunAdapter } from "../wintun-adapter.js";
import { PortError } from "./port-error.js";
import { WinTunPort } from "./win-tun-port.js";

afterEach(closeSessions);

/** Answers every UDP datagram by sending it back with addresses and ports swapped. */
class UdpReflector implements IPacketReceiver {
  flushes = 0;
  constructor(private readonly transmitter: IPacketTransmitter) {}

  tryConsume<T extends PacketOwner>(input: T): T | null {
    const buffer = this.transmitter.tryGetNextBuffer();
    if (buffer === undefined) return input;
    buffer.set(input.memory.subarray(0, input.length));
    if (turnUdpIntoReply(buffer, 0, input.length) !== "replied") {
      this.transmitter.discardBuffer(buffer);
      return input;
    }
    this.transmitter.sendBuffer(buffer, input.length);
    input.dispose();
    return null;
  }

  flushPendingAcks(): void {
    this.flushes++;
  }
}

/** Declines everything, so the port must dispose every packet itself. */
class DecliningReceiver implements IPacketReceiver {
  offered = 0;
  tryConsume<T extends PacketOwner>(input: T): T | null {
    this.offered++;
    return input;
  }
  flushPendingAcks(): void {}
}

/** Throws on every other packet and keeps the rest. */
class ThrowingReceiver implements IPacketReceiver {
  kept = 0;
  #calls = 0;
  tryConsume<T extends PacketOwner>(input: T): T | null {
    if (this.#calls++ % 2 === 0) throw new Error("receiver bug");
    this.kept++;
    input.dispose();
    return null;
  }
  flushPendingAcks(): void {}
}

async function kernelSocket(address: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  socket.bind(0, address);
  await once(socket, "listening");
  return socket;
}

/** An adapter with IPv4 configured and IPv6 off, whose session the port will start. */
async function preparedAdapter(name: string, subnet: number, mtu?: number): Promise<WinTunAdapter> {
  const { adapter, session } = await openSession(name, subnet, mtu === undefined ? {} : { mtu });
  // The fixture started a session to bring the link up configured; the port starts its own.
  session.close();
  return adapter;
}

describeNetwork("WinTunPort with the kernel as peer", () => {
  it("offers received packets to the receiver and sends its replies back to kernel sockets", async () => {
    await preparedAdapter("mgw-p1", 61);
    const port = await WinTunPort.create<UdpReflector>({
      adapterName: "MGW-P1",
      packetReceiverFactory: (transmitter) => new UdpReflector(transmitter),
    });
    expect(port.adapter.created).toBe(false);
    const socket = await kernelSocket("198.18.61.1");
    const answers: string[] = [];
    socket.on("message", (message, from) => {
      expect(from.address).toBe("198.18.61.2");
      expect(from.port).toBe(7);
      answers.push(message.toString());
    });
    // In bursts of 50, so the kernel socket's receive buffer never overflows.
    const count = 500;
    for (let i = 0; i < count; i++) {
      socket.send(`datagram ${i}`, 7, "198.18.61.2");
      if (i % 50 === 49) expect(await waitFor(() => answers.length === i + 1, 5000)).toBe(true);
    }
    expect(new Set(answers).size).toBe(count);
    const stats = port.stats;
    expect(stats.rxPackets).toBeGreaterThanOrEqual(count);
    expect(stats.txPackets).toBe(count);
    expect(stats.receiver.consumed).toBe(count);
    expect(stats.rxBatches).toBeLessThanOrEqual(stats.rxPackets);
    // One flushPendingAcks per batch, never per packet.
    expect(port.receiver.flushes).toBe(stats.rxBatches);
    expect(Object.values(stats.drops).every((drops) => drops === 0)).toBe(true);
    socket.close();
    await port.close();
    await port.close();
    expect(linkExists("mgw-p1")).toBe(true);
  });

  it("creates the adapter when none has the name, and removes it on close", async () => {
    const port = await WinTunPort.create({
      adapterName: "mgw-p2",
      session: { spinMicroseconds: 0, maxBatch: 16 },
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    expect(port.adapter.created).toBe(true);
    expect(linkExists("mgw-p2")).toBe(true);
    const ended = port.ended;
    await port.close();
    expect(await ended).toEqual({ reason: "closed" });
    expect(linkExists("mgw-p2")).toBe(false);
  });

  it("passes session tuning through, and leaves nothing behind when the session cannot start", async () => {
    const failure = WinTunPort.create({
      adapterName: "mgw-p8",
      session: { maxBatch: 1_000_000 },
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    await expect(failure).rejects.toThrow(
      /session.maxBatch must be an integer from 1 to 4096, got/,
    );
    expect(linkExists("mgw-p8")).toBe(false);
  });

  it("disposes every packet its receiver declines", async () => {
    await preparedAdapter("mgw-p3", 63);
    const pool = new PacketMemoryPool({ slotsPerSlab: 64, slabCount: 2, largeSlotCount: 2 });
    const port = await WinTunPort.create({
      adapterName: "mgw-p3",
      pool,
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    const socket = await kernelSocket("198.18.63.1");
    // Far more packets than the pool has slots: only disposal keeps them flowing. In bursts of
    // 100, well inside the TUN interface's transmit queue (500), so the kernel drops none.
    const count = 1000;
    for (let i = 0; i < count; i++) {
      socket.send("x", 9, "198.18.63.2");
      if (i % 100 === 99) expect(await waitFor(() => port.receiver.offered > i, 5000)).toBe(true);
    }
    expect(port.stats.receiver.declined).toBe(port.receiver.offered);
    expect(port.stats.drops.rxPoolExhausted).toBe(0);
    socket.close();
    await port.close();
    expect(pool.stats.inUse).toBe(0);
  });

  it("reports a receiver that throws and keeps pumping", async () => {
    await preparedAdapter("mgw-p4", 64);
    const port = await WinTunPort.create({
      adapterName: "mgw-p4",
      packetReceiverFactory: () => new ThrowingReceiver(),
    });
    const errors: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    const socket = await kernelSocket("198.18.64.1");
    for (let i = 0; i < 10; i++) socket.send("x", 9, "198.18.64.2");
    expect(await waitFor(() => port.receiver.kept + errors.length >= 10, 5000)).toBe(true);
    expect(port.receiver.kept).toBe(5);
    expect(errors).toHaveLength(5);
    expect(errors[0]).toBeInstanceOf(PortError);
    expect(errors[0]).toMatchObject({ code: "RECEIVER_FAILED" });
    expect(port.stats.receiver.receiverErrors).toBe(5);
    socket.close();
    await port.close();
    expect(port.session.pool.stats.inUse).toBe(0);
  });

  it("counts a send refused by an exhausted pool, and never throws for it", async () => {
    await preparedAdapter("mgw-p5", 65);
    const pool = new PacketMemoryPool({ slotsPerSlab: 64, slabCount: 2, largeSlotCount: 2 });
    const port = await WinTunPort.create({
      adapterName: "mgw-p5",
      pool,
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    const { transmitter } = port;
    const lent: Uint8Array[] = [];
    for (;;) {
      const buffer = transmitter.tryGetNextBuffer();
      if (buffer === undefined) break;
      lent.push(buffer);
    }
    expect(transmitter.tryGetNextBuffer()).toBeUndefined();
    expect(port.stats.drops.txPoolExhausted).toBe(2);
    for (const buffer of lent) transmitter.discardBuffer(buffer);
    const again = transmitter.tryGetNextBuffer();
    expect(again).toBeDefined();
    if (again !== undefined) transmitter.discardBuffer(again);
    await port.close();
    expect(pool.stats.inUse).toBe(0);
  });

  it("refuses buffers it did not lend, and lent buffers sent twice", async () => {
    await preparedAdapter("mgw-p6", 66);
    const port = await WinTunPort.create({
      adapterName: "mgw-p6",
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    const { transmitter } = port;
    expect(() => transmitter.sendBuffer(new Uint8Array(100))).toThrow(PortError);
    for (const notABuffer of [undefined, null, 7, "bytes", new Uint16Array(4)]) {
      expect(() => transmitter.sendBuffer(notABuffer as unknown as Uint8Array)).toThrow(PortError);
      expect(() => transmitter.discardBuffer(notABuffer as unknown as Uint8Array)).toThrow(
        /not lent by this transmitter/,
      );
    }
    const buffer = transmitter.tryGetNextBuffer() as Uint8Array;
    expect(() => transmitter.sendBuffer(buffer, 0)).toThrow(/length 0/);
    transmitter.discardBuffer(buffer);
    expect(() => transmitter.discardBuffer(buffer)).toThrow(/not lent/);
    const other = transmitter.tryGetNextBuffer() as Uint8Array;
    const length = writeUdp(other, "198.18.66.2", "198.18.66.1", 9, 9, 10, (p) => p.fill(2));
    transmitter.sendBuffer(other.subarray(0, length));
    expect(() => transmitter.sendBuffer(other, length)).toThrow(/not lent/);
    expect(typeof transmitter.randomSequenceNumber()).toBe("number");
    await port.close();
    expect(port.session.pool.stats.inUse).toBe(0);
  });

  it("closes under load: no interface, no held slots, an idempotent end", async () => {
    const pool = new PacketMemoryPool();
    const port = await WinTunPort.create({
      adapterName: "mgw-p7",
      pool,
      packetReceiverFactory: (transmitter) => new UdpReflector(transmitter),
    });
    await import("../test-support/network-test.js").then(({ run }) => {
      run("sysctl", ["-qw", "net.ipv6.conf.mgw-p7.disable_ipv6=1"]);
      run("ip", ["addr", "add", "198.18.67.1/24", "dev", "mgw-p7"]);
    });
    const socket = await kernelSocket("198.18.67.1");
    const payload = Buffer.alloc(200, 3);
    let sending = true;
    const load = (async () => {
      for (let i = 0; sending && i < 200_000; i++) {
        socket.send(payload, 7, "198.18.67.2");
        if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    expect(await waitFor(() => port.stats.txPackets > 1000, 10_000)).toBe(true);
    await Promise.all([port.close(), port.close()]);
    sending = false;
    await load;
    socket.close();
    expect(linkExists("mgw-p7")).toBe(false);
    expect(pool.stats.inUse).toBe(0);
    const packet: PooledPacket | undefined = pool.tryRent();
    expect(packet).toBeDefined();
    packet?.dispose();
  });
});

/** The code of the PacketLengthError `lend` throws, or undefined when it throws none. */
function lengthErrorCode(lend: () => unknown): string | undefined {
  try {
    lend();
  } catch (error) {
    expect(error).toBeInstanceOf(PacketLengthError);
    expect((error as PacketLengthError).hint).toBeDefined();
    return (error as PacketLengthError).code;
  }
  return undefined;
}

describeNetwork("WinTunTransmitter's buffers by size", () => {
  it("sends 9000- and 65535-byte packets built in large buffers, intact, to a kernel socket", async () => {
    await preparedAdapter("mgw-p9", 68, 65535);
    const port = await WinTunPort.create({
      adapterName: "mgw-p9",
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    const { transmitter } = port;
    expect(transmitter.maxPacketLength).toBe(65535);
    const socket = await kernelSocket("198.18.68.1");
    const messages: Buffer[] = [];
    socket.on("message", (message: Buffer) => messages.push(message));
    const sizes = [9000, 65535];
    const patternOf = (size: number, payload: Uint8Array): void => {
      for (let i = 0; i < payload.length; i++) payload[i] = (i * 7 + size) & 0xff;
    };
    for (const size of sizes) {
      const buffer = transmitter.tryGetNextBuffer(size) as Uint8Array;
      expect(buffer.length).toBeGreaterThanOrEqual(size);
      expect(buffer.length).toBeLessThanOrEqual(transmitter.maxPacketLength);
      const { port: kernelPort } = socket.address();
      const length = writeUdp(buffer, "198.18.68.2", "198.18.68.1", 7, kernelPort, size - 28, (p) =>
        patternOf(size, p),
      );
      expect(length).toBe(size);
      // The whole lent buffer, by default length, is a 65535-byte packet the ring takes.
      if (size === buffer.length) transmitter.sendBuffer(buffer);
      else transmitter.sendBuffer(buffer, length);
      expect(await waitFor(() => messages.length === sizes.indexOf(size) + 1, 5000)).toBe(true);
    }
    for (const [i, size] of sizes.entries()) {
      const expected = Buffer.alloc(size - 28);
      patternOf(size, expected);
      expect(messages[i]?.equals(expected)).toBe(true);
    }
    expect(port.stats.txPackets).toBe(2);
    expect(port.stats.txBytes).toBe(9000 + 65535);
    expect(Object.values(port.stats.drops).every((drops) => drops === 0)).toBe(true);
    socket.close();
    await port.close();
    expect(port.session.pool.stats.inUse).toBe(0);
  });

  it("lends a small slot by default and up to the slot size, a large one above; bad lengths throw", async () => {
    const port = await WinTunPort.create({
      adapterName: "mgw-pa",
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    const { transmitter } = port;
    const { pool } = port.session;
    const large = pool.stats.large;
    const largeInUse = large.inUse;
    const ordinary = transmitter.tryGetNextBuffer() as Uint8Array;
    const empty = transmitter.tryGetNextBuffer(0) as Uint8Array;
    const full = transmitter.tryGetNextBuffer(pool.slotSize) as Uint8Array;
    for (const buffer of [ordinary, empty, full]) expect(buffer.length).toBe(pool.slotSize);
    expect(large.inUse).toBe(largeInUse);
    const big = transmitter.tryGetNextBuffer(pool.slotSize + 1) as Uint8Array;
    expect(big.length).toBe(65535);
    expect(large.inUse).toBe(largeInUse + 1);

    expect(lengthErrorCode(() => transmitter.tryGetNextBuffer(65536))).toBe("PACKET_TOO_LARGE");
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(lengthErrorCode(() => transmitter.tryGetNextBuffer(bad))).toBe("INVALID_LENGTH");
    }
    // The large slot has a 65536th byte, but the ring takes 65535 at most, even from a wider view.
    expect(() => transmitter.sendBuffer(big, 65536)).toThrow(PortError);
    const wider = new Uint8Array(big.buffer, big.byteOffset, 65536);
    expect(() => transmitter.sendBuffer(wider)).toThrow(/send 1 to 65535 bytes/);
    for (const buffer of [ordinary, empty, full, big]) transmitter.discardBuffer(buffer);
    expect(Object.values(port.stats.drops).every((drops) => drops === 0)).toBe(true);
    await port.close();
    expect(pool.stats.inUse).toBe(0);
  });

  it("counts an exhausted large class apart, and still lends small slots meanwhile", async () => {
    const pool = new PacketMemoryPool({ slotsPerSlab: 64, slabCount: 2, largeSlotCount: 4 });
    const port = await WinTunPort.create({
      adapterName: "mgw-pb",
      pool,
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    const { transmitter } = port;
    const lent: Uint8Array[] = [];
    for (;;) {
      const buffer = transmitter.tryGetNextBuffer(9000);
      if (buffer === undefined) break;
      lent.push(buffer);
    }
    // The session keeps some large slots ready for received packets; the transmitter has the rest.
    expect(lent.length).toBeGreaterThan(0);
    expect(pool.stats.large.inUse).toBe(pool.stats.large.capacity);
    expect(port.stats.drops.txLargePoolExhausted).toBe(1);
    expect(port.stats.drops.txPoolExhausted).toBe(0);
    const small = transmitter.tryGetNextBuffer();
    expect(small?.length).toBe(pool.slotSize);
    if (small !== undefined) lent.push(small);
    for (const buffer of lent) transmitter.discardBuffer(buffer);
    const again = transmitter.tryGetNextBuffer(65535);
    expect(again?.length).toBe(65535);
    if (again !== undefined) transmitter.discardBuffer(again);
    await port.close();
    expect(pool.stats.inUse).toBe(0);
  });

  it("caps maxPacketLength at the small slot size when the pool has no large slots", async () => {
    const pool = new PacketMemoryPool({ slotsPerSlab: 64, slabCount: 1, largeSlotCount: 0 });
    const port = await WinTunPort.create({
      adapterName: "mgw-pc",
      pool,
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    const { transmitter } = port;
    expect(transmitter.maxPacketLength).toBe(pool.slotSize);
    const buffer = transmitter.tryGetNextBuffer(pool.slotSize);
    expect(buffer?.length).toBe(pool.slotSize);
    if (buffer !== undefined) transmitter.discardBuffer(buffer);
    const tooLarge = pool.slotSize + 1;
    expect(lengthErrorCode(() => transmitter.tryGetNextBuffer(tooLarge))).toBe("PACKET_TOO_LARGE");
    await port.close();
    expect(pool.stats.inUse).toBe(0);
  });
});
