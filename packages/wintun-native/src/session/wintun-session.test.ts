import { spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { once } from "node:events";
import type { PooledPacket } from "@magma/memory-pool";
import { afterEach, expect, it } from "vitest";
import { ipv4Checksum, readUdp, writeUdp } from "../test-support/ipv4-udp.js";
import { describeNetwork, waitFor } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";

afterEach(closeSessions);

async function bindSocket(address: string, port = 0): Promise<dgram.Socket> {
  const socket = dgram.createSocket("udp4");
  socket.bind(port, address);
  await once(socket, "listening");
  return socket;
}

describeNetwork("WinTunSession traffic with the kernel", () => {
  it("delivers UDP datagrams from the kernel intact, in batches of pool packets", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-s1", 11);
    const socket = await bindSocket(kernelAddress, 40001);
    const texts = ["first", "second", "third"];
    for (const text of texts) socket.send(text, 5000, peerAddress);
    const received: string[] = [];
    const deadline = AbortSignal.timeout(5000);
    while (received.length < texts.length) {
      for (const packet of await session.receive({ signal: deadline })) {
        const datagram = readUdp(packet.memory.subarray(0, packet.length));
        expect(datagram).toBeDefined();
        if (datagram !== undefined) {
          expect(datagram.source).toBe(kernelAddress);
          expect(datagram.destination).toBe(peerAddress);
          expect(datagram.sourcePort).toBe(40001);
          expect(datagram.destinationPort).toBe(5000);
          received.push(Buffer.from(datagram.payload).toString());
        }
        packet.dispose();
      }
    }
    socket.close();
    expect(received).toEqual(texts);
    const stats = session.stats;
    expect(stats.rxPackets).toBe(3);
    expect(stats.rxBatches).toBeGreaterThanOrEqual(1);
    expect(stats.rxBatches).toBeLessThanOrEqual(3);
  });

  it("delivers ping's ICMP echo requests with valid checksums", async () => {
    const { session, peerAddress } = await openSession("mgw-s2", 12);
    const ping = spawn("ping", ["-c", "3", "-i", "0.2", "-s", "100", "-W", "1", peerAddress], {
      stdio: "ignore",
    });
    const echoes: number[] = [];
    try {
      for await (const batch of session.batches({ signal: AbortSignal.timeout(5000) })) {
        for (const packet of batch) {
          const bytes = packet.memory.subarray(0, packet.length);
          if (bytes[9] === 1 && bytes[20] === 8) {
            expect(ipv4Checksum(bytes, 0, 20)).toBe(0);
            expect(ipv4Checksum(bytes, 20, bytes.length - 20)).toBe(0);
            expect(bytes.length).toBe(20 + 8 + 100);
            echoes.push(new DataView(bytes.buffer, bytes.byteOffset).getUint16(26));
          }
          packet.dispose();
        }
        if (echoes.length === 3) break;
      }
    } finally {
      ping.kill();
    }
    expect(echoes).toEqual([1, 2, 3]);
  });

  it("sends pooled packets and plain buffers that kernel sockets receive", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-s3", 13);
    const socket = await bindSocket(kernelAddress, 40003);
    const messages: string[] = [];
    socket.on("message", (message: Buffer) => messages.push(message.toString()));
    const pooled: PooledPacket[] = [];
    for (let i = 0; i < 3; i++) {
      const packet = session.pool.tryRent() as PooledPacket;
      packet.length = writeUdp(packet.memory, peerAddress, kernelAddress, 6000, 40003, 7, (p) =>
        p.set(Buffer.from(`pooled${i}`)),
      );
      pooled.push(packet);
    }
    expect(session.sendPooled(pooled)).toBe(3);
    for (const packet of pooled) packet.dispose();
    const plain = new Uint8Array(64);
    const length = writeUdp(plain, peerAddress, kernelAddress, 6000, 40003, 5, (p) =>
      p.set(Buffer.from("plain")),
    );
    expect(session.send([plain.subarray(0, length)])).toBe(1);
    expect(await waitFor(() => messages.length === 4)).toBe(true);
    expect(messages).toEqual(["pooled0", "pooled1", "pooled2", "plain"]);
    socket.close();
    expect(session.stats.txPackets).toBe(4);
  });

  it("moves 100,000 packets each way with none lost and counters that add up", async () => {
    const total = 100_000;
    // Unanswered packets at most: few enough that a kernel socket's default receive buffer
    // (about 200 KB, some 160 small datagrams at their true size) never overflows.
    const window = 96;
    const { session, kernelAddress, peerAddress } = await openSession("mgw-s4", 14);
    const deadline = Date.now() + 45_000;

    // Kernel -> session: a kernel socket sends numbered datagrams, at most `window` unanswered.
    const seen = new Uint8Array(total);
    let received = 0;
    let duplicates = 0;
    session.setReceiveHandler((packets, count) => {
      for (let i = 0; i < count; i++) {
        const packet = packets[i] as PooledPacket;
        const bytes = packet.memory;
        if (packet.length === 32 && bytes[9] === 17) {
          const sequence = new DataView(bytes.buffer, bytes.byteOffset).getUint32(28);
          if (sequence < total) {
            if (seen[sequence] === 1) duplicates++;
            seen[sequence] = 1;
            received++;
          }
        }
        packet.dispose();
      }
    });
    const sender = await bindSocket(kernelAddress);
    let sent = 0;
    while (received < total && Date.now() < deadline) {
      while (sent < total && sent - received < window) {
        // dgram reads the buffer later, so each datagram needs its own.
        const payload = Buffer.alloc(4);
        payload.writeUInt32BE(sent++);
        sender.send(payload, 7000, peerAddress);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    sender.close();
    expect({ received, sent }).toEqual({ received: total, sent: total });
    expect(duplicates).toBe(0);

    // Session -> kernel: numbered datagrams from pool slots, one native call per batch.
    const receiver = await bindSocket(kernelAddress, 40004);
    const arrived = new Uint8Array(total);
    let delivered = 0;
    receiver.on("message", (message: Buffer) => {
      arrived[message.readUInt32BE(0)] = 1;
      delivered++;
    });
    const batch: PooledPacket[] = [];
    let queued = 0;
    while (delivered < total && Date.now() < deadline) {
      while (queued < total && queued - delivered < window) {
        const count = Math.min(64, total - queued, window - (queued - delivered));
        for (let i = 0; i < count; i++) {
          const packet = session.pool.tryRent() as PooledPacket;
          const sequence = queued + i;
          packet.length = writeUdp(packet.memory, peerAddress, kernelAddress, 7001, 40004, 4, (p) =>
            new DataView(p.buffer, p.byteOffset).setUint32(0, sequence),
          );
          batch[i] = packet;
        }
        const accepted = session.sendPooled(batch, count);
        for (let i = 0; i < count; i++) (batch[i] as PooledPacket).dispose();
        expect(accepted).toBe(count);
        queued += count;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    receiver.close();
    expect({ delivered, queued }).toEqual({ delivered: total, queued: total });
    expect(arrived.every((flag) => flag === 1)).toBe(true);

    const stats = session.stats;
    expect(stats.rxPackets).toBe(total);
    expect(stats.txPackets).toBe(total);
    expect(stats.txBytes).toBe(total * 32);
    expect(stats.rxBytes).toBe(total * 32);
    expect(stats.drops).toEqual({
      sendRingFull: 0,
      poolExhausted: 0,
      invalidPacket: 0,
      invalidReceived: 0,
      sessionEnded: 0,
      leftInRing: 0,
    });
    expect(stats.rxBatches).toBeLessThan(total);
    session.close();
    expect(session.pool.stats.inUse).toBe(0);
  });

  it("carries 65535-byte packets both ways on a 65535-byte MTU link", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-s5", 15, { mtu: 65535 });
    const payloadLength = 65535 - 28;
    const socket = await bindSocket(kernelAddress, 40005);
    const pattern = Buffer.alloc(payloadLength);
    for (let i = 0; i < payloadLength; i++) pattern[i] = (i * 7) & 0xff;
    socket.send(pattern, 8000, peerAddress);
    const [packet] = await session.receive({ signal: AbortSignal.timeout(5000) });
    expect(packet?.length).toBe(65535);
    expect(packet?.capacity).toBe(session.pool.largeSlotSize);
    const datagram = readUdp((packet as PooledPacket).memory.subarray(0, 65535));
    expect(Buffer.from(datagram?.payload ?? []).equals(pattern)).toBe(true);
    packet?.dispose();

    const messages: Buffer[] = [];
    socket.on("message", (message: Buffer) => messages.push(message));
    const large = session.pool.tryRent(65535) as PooledPacket;
    large.length = writeUdp(
      large.memory,
      peerAddress,
      kernelAddress,
      8000,
      40005,
      payloadLength,
      (p) => p.set(pattern),
    );
    expect(large.length).toBe(65535);
    expect(session.sendPooled([large])).toBe(1);
    large.dispose();
    expect(await waitFor(() => messages.length === 1)).toBe(true);
    expect(messages[0]?.equals(pattern)).toBe(true);
    socket.close();
  });
});
