import * as dgram from "node:dgram";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { PacketDirection, readPcapng } from "@magma/pcapng";
import { OptionError } from "@magma/transport";
import { afterAll, afterEach, expect, it } from "vitest";
import { createEchoPort, ping, type Responder } from "../test-support/echo-port.js";
import { describeNetwork, run, waitFor } from "../test-support/network-test.js";
import { MIN_CAPTURE_BUFFER_SIZE } from "./packet-capture.js";
import { PortError } from "./port-error.js";
import type { WinTunPort } from "./win-tun-port.js";

// Adapters MagmaCap1..5 on 198.18.140-145.0/24 (and fd6d:6167:6d61:140::/64).

const ports: WinTunPort<Responder>[] = [];
const directory = mkdtempSync(join(tmpdir(), "magma-capture-"));
afterEach(async () => {
  for (const port of ports.splice(0)) await port.close();
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function respondingPort(
  name: string,
  subnet: number,
  ipv6 = false,
): Promise<WinTunPort<Responder>> {
  const port = await createEchoPort(name, subnet, { ipv6 });
  ports.push(port);
  return port;
}

/** Sends `count` datagrams of `size` bytes in bursts and returns how many replies came back. */
async function udpExchange(address: string, count: number, size = 100): Promise<number> {
  const socket = dgram.createSocket(address.includes(":") ? "udp6" : "udp4");
  socket.bind(0);
  await once(socket, "listening");
  let replies = 0;
  socket.on("message", () => {
    replies++;
  });
  const payload = Buffer.alloc(size, 0x61);
  for (let sent = 0; sent < count; ) {
    for (const end = Math.min(count, sent + 50); sent < end; sent++)
      socket.send(payload, 9000, address);
    await waitFor(() => replies >= sent, 2000);
  }
  await waitFor(() => replies >= count, 2000);
  socket.close();
  return replies;
}

function receivedByPump(port: WinTunPort<Responder>): number {
  const { consumed, declined, receiverErrors } = port.stats.receiver;
  return consumed + declined + receiverErrors;
}

interface TsharkFrame {
  readonly time: number;
  readonly direction: number;
  readonly protocols: string;
  readonly capturedLength: number;
  readonly length: number;
}

function tshark(file: string): TsharkFrame[] {
  const fields = [
    "frame.time_epoch",
    "frame.packet_flags_direction",
    "frame.protocols",
    "frame.cap_len",
    "frame.len",
  ];
  const text = run("tshark", [
    "-r",
    file,
    "-T",
    "fields",
    "-E",
    "separator=;",
    ...fields.flatMap((f) => ["-e", f]),
  ]);
  return text
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [time, direction, protocols, capturedLength, length] = line.split(";");
      return {
        time: Number(time),
        direction: Number(direction),
        protocols: protocols ?? "",
        capturedLength: Number(capturedLength),
        length: Number(length),
      };
    });
}

describeNetwork("port.capture()", () => {
  it("writes every packet both ways to a file that tshark and capinfos read, with directions and nanosecond timestamps", async () => {
    const port = await respondingPort("MagmaCap1", 140, true);
    const file = join(directory, "both-ways.pcapng");
    const before = Date.now();
    const capture = port.capture(file);
    expect(await ping("198.18.140.2", 5)).toBe(5);
    expect(await ping("fd6d:6167:6d61:140::2", 5)).toBe(5);
    expect(await udpExchange("198.18.140.2", 20)).toBe(20);
    expect(await udpExchange("fd6d:6167:6d61:140::2", 10)).toBe(10);
    // Every packet the native side counted has reached the pump, so the counters are final.
    expect(await waitFor(() => receivedByPump(port) === port.stats.rxPackets)).toBe(true);
    const stats = port.stats;
    await capture.close();
    const after = Date.now();

    expect(capture.stats).toEqual(stats.capture);
    expect(stats.capture.drops).toBe(0);
    expect(stats.capture.packets).toBe(stats.rxPackets + stats.txPackets);
    const frames = tshark(file);
    expect(frames.filter((f) => f.direction === PacketDirection.Inbound)).toHaveLength(
      stats.rxPackets,
    );
    expect(frames.filter((f) => f.direction === PacketDirection.Outbound)).toHaveLength(
      stats.txPackets,
    );
    expect(stats.txPackets).toBe(40); // every ping and datagram answered
    // Timestamps never go back and lie within the test's wall-clock window (ms granularity).
    const times = frames.map((f) => f.time);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBeGreaterThanOrEqual((before - 1) / 1000);
    expect(times.at(-1)).toBeLessThanOrEqual((after + 1) / 1000);
    // Raw IP, dissected: each protocol in both directions.
    const count = (protocols: string, direction: number): number =>
      frames.filter((f) => f.protocols === protocols && f.direction === direction).length;
    for (const direction of [PacketDirection.Inbound, PacketDirection.Outbound]) {
      expect(count("raw:ip:icmp:data", direction)).toBe(5);
      expect(count("raw:ipv6:icmpv6:data", direction)).toBe(5);
      expect(count("raw:ip:udp:data", direction)).toBe(20);
      expect(count("raw:ipv6:udp:data", direction)).toBe(10);
    }
    const info = run("capinfos", ["-M", "-c", "-i", "-t", "-E", file]);
    expect(info).toMatch(new RegExp(`Number of packets:\\s+${frames.length}\\b`));
    expect(info).toMatch(/File encapsulation:\s+rawip$/m);
    expect(info).toMatch(/File type:\s+pcapng$/m);
    // Our own reader agrees, with nanosecond resolution and the adapter's name.
    const parsed = readPcapng(readFileSync(file));
    expect(parsed.interfaces).toEqual([
      { linkType: 101, snapLength: 65535, name: "MagmaCap1", timestampResolution: 9 },
    ]);
    expect(parsed.packets).toHaveLength(frames.length);
  }, 30_000);

  it("keeps snapLength bytes of each packet and records its whole length", async () => {
    const port = await respondingPort("MagmaCap2", 141);
    const file = join(directory, "snap.pcapng");
    const capture = port.capture(file, { snapLength: 60, interfaceName: "tun-under-test" });
    expect(await ping("198.18.141.2", 3, 1000)).toBe(3);
    await capture.close();
    // The pings, and maybe an MLD report the link sent as it came up, before IPv6 was turned off.
    const frames = tshark(file).filter((f) => f.protocols.startsWith("raw:ip:"));
    expect(frames).toHaveLength(6);
    expect(frames.every((f) => f.capturedLength === 60 && f.length === 1028)).toBe(true);
    expect(capture.stats.packets - frames.length).toBeLessThanOrEqual(2);
    expect(capture.stats.drops).toBe(0);
    expect(readPcapng(readFileSync(file)).interfaces[0]?.name).toBe("tun-under-test");
  }, 20_000);

  it("counts drops when the destination stalls, while the port keeps answering; close() then writes what was kept", async () => {
    const port = await respondingPort("MagmaCap3", 142);
    const held: (() => void)[] = [];
    let stalled = true;
    const chunks: Buffer[] = [];
    const slow = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk));
        if (stalled) held.push(() => callback());
        else callback();
      },
    });
    const capture = port.capture(slow, { bufferSize: MIN_CAPTURE_BUFFER_SIZE });
    // 1000 datagrams of 1200 bytes each way: 2.4 MB, about five times the buffer.
    expect(await udpExchange("198.18.142.2", 1000, 1200)).toBe(1000);
    expect(await waitFor(() => receivedByPump(port) === port.stats.rxPackets)).toBe(true);
    const stats = port.stats;
    expect(stats.txPackets).toBe(1000);
    expect(stats.capture.drops).toBeGreaterThan(0);
    expect(stats.capture.packets + stats.capture.drops).toBe(stats.rxPackets + stats.txPackets);
    // The writes never completed, so everything kept is in the buffer: at most its size.
    expect(stats.capture.bytes).toBeLessThan(MIN_CAPTURE_BUFFER_SIZE);
    stalled = false;
    for (const release of held.splice(0)) release();
    await capture.close();
    const parsed = readPcapng(Buffer.concat(chunks));
    expect(parsed.packets).toHaveLength(stats.capture.packets);
    expect(parsed.packets.reduce((sum, p) => sum + p.data.length, 0)).toBe(stats.capture.bytes);
  }, 30_000);

  it("refuses bad arguments with an OptionError and leaves no capture running", async () => {
    const port = await respondingPort("MagmaCap4", 143);
    const file = join(directory, "never.pcapng");
    const bad: [unknown, unknown][] = [
      [42, undefined],
      ["", undefined],
      [{}, undefined],
      [file, { snapLength: 0 }],
      [file, { snapLength: 65536 }],
      [file, { snapLength: 1.5 }],
      [file, { bufferSize: MIN_CAPTURE_BUFFER_SIZE - 1 }],
      [file, { interfaceName: 7 }],
      [file, { snaplen: 100 }],
      [file, null],
    ];
    for (const [destination, options] of bad) {
      expect(() => port.capture(destination as string, options as object)).toThrow(OptionError);
    }
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
    // Nothing was started: a capture can begin now.
    await port.capture(join(directory, "after-bad.pcapng")).close();
  }, 20_000);

  it("runs one capture at a time, and none on a closed port", async () => {
    const port = await respondingPort("MagmaCap4", 143);
    const first = port.capture(join(directory, "first.pcapng"));
    expect(() => port.capture(join(directory, "second.pcapng"))).toThrow(
      expect.objectContaining({ name: "PortError", code: "CAPTURE_RUNNING" }),
    );
    await first.close();
    await port.capture(join(directory, "third.pcapng")).close();
    await port.close();
    expect(() => port.capture(join(directory, "fourth.pcapng"))).toThrow(
      expect.objectContaining({ code: "PORT_CLOSED" }),
    );
  }, 20_000);

  it("ends the capture with a reported PortError when the destination fails, and the port goes on", async () => {
    const port = await respondingPort("MagmaCap4", 143);
    const errors: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    // A path in a directory that does not exist: the file cannot be opened.
    const unopenable = port.capture(join(directory, "missing", "x.pcapng"));
    expect(await unopenable.ended).toEqual({ reason: "failed", error: expect.any(PortError) });
    await expect(unopenable.close()).rejects.toMatchObject({
      code: "CAPTURE_FAILED",
      cause: expect.objectContaining({ code: "ENOENT" }),
    });
    // A stream that fails its first write after the header.
    let writes = 0;
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        callback(writes++ === 0 ? null : new Error("disk gone"));
      },
    });
    const broken = port.capture(failing);
    expect(await ping("198.18.143.2", 3)).toBe(3);
    expect((await broken.ended).reason).toBe("failed");
    expect(errors).toHaveLength(2);
    expect(
      errors.every((error) => error instanceof PortError && error.code === "CAPTURE_FAILED"),
    ).toBe(true);
    // The port answers as before, and can capture again.
    const again = port.capture(join(directory, "again.pcapng"));
    expect(await ping("198.18.143.2", 3)).toBe(3);
    await again.close();
    const frames = tshark(join(directory, "again.pcapng"));
    expect(frames.filter((f) => f.protocols === "raw:ip:icmp:data")).toHaveLength(6);
    // A closed capture is detached: later traffic is not counted.
    const counted = port.stats.capture;
    expect(await ping("198.18.143.2", 2)).toBe(2);
    expect(port.stats.capture).toEqual(counted);
  }, 20_000);

  it("ends a running capture when the port closes, with every packet in the file", async () => {
    const port = await respondingPort("MagmaCap4", 143);
    const file = join(directory, "port-close.pcapng");
    const capture = port.capture(file);
    expect(await ping("198.18.143.2", 4)).toBe(4);
    await port.close();
    // Complete once the port's close() resolves.
    const frames = tshark(file);
    expect(capture.stats.packets).toBe(frames.length);
    expect((await capture.ended).reason).toBe("closed");
    expect(frames.filter((f) => f.protocols === "raw:ip:icmp:data")).toHaveLength(8);
    expect(port.stats.capture).toEqual({
      packets: frames.length,
      bytes: frames.reduce((sum, f) => sum + f.capturedLength, 0),
      drops: 0,
    });
  }, 20_000);

  it("ends a running capture when the adapter goes away, with what was captured in the file", async () => {
    const port = await respondingPort("MagmaCap5", 145);
    const errors: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    const file = join(directory, "adapter-removed.pcapng");
    const capture = port.capture(file);
    expect(await ping("198.18.145.2", 3)).toBe(3);
    run("ip", ["link", "del", "MagmaCap5"]);
    expect((await port.ended).reason).toBe("adapter-removed");
    expect(await capture.ended).toEqual({ reason: "closed" });
    const frames = tshark(file);
    expect(frames.filter((f) => f.protocols === "raw:ip:icmp:data")).toHaveLength(6);
    expect(capture.stats.packets).toBe(frames.length);
    expect(errors).toEqual([]);
  }, 20_000);
});
