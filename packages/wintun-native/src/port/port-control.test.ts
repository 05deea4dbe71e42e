import { statSync } from "node:fs";
import type { Readable } from "node:stream";
import { BlockType, PacketDirection, PcapngBlockSplitter, readPcapng } from "@magma/pcapng";
import { OptionError } from "@magma/transport";
import { expect, it } from "vitest";
import { ControlClient } from "../control/control-client.js";
import { controlEndpointPath } from "../control/control-endpoint-path.js";
import { useControlDirectory } from "../test-support/control-directory.js";
import { createEchoPort, ping, type Responder } from "../test-support/echo-port.js";
import { describeNetwork, waitFor } from "../test-support/network-test.js";
import { WinTunPort } from "./win-tun-port.js";

// Adapters MagmaCtl1..2 on 198.18.146-147.0/24.

const { ports } = useControlDirectory<WinTunPort<Responder>>("magma-port-control-");

/** A port with a control endpoint, and the errors it reports (a test expects none). */
async function controlledPort(name: string, subnet: number) {
  const port = await createEchoPort(name, subnet, { control: true });
  ports.push(port);
  const errors: unknown[] = [];
  port.on("error", (error) => errors.push(error));
  return { port, errors };
}

/** Whether a new capture can start over the endpoint: none runs on the port any more. */
async function captureStarts(adapterName: string): Promise<boolean> {
  const client = await ControlClient.connect(adapterName);
  try {
    (await client.capture()).destroy();
    return true;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** Reads a capture stream until it holds `packets` packets; returns the whole blocks so far. */
async function readPackets(stream: Readable, packets: number): Promise<Uint8Array> {
  const splitter = new PcapngBlockSplitter();
  const blocks: Uint8Array[] = [];
  let seen = 0;
  for await (const chunk of stream) {
    for (const block of splitter.push(chunk as Buffer)) {
      blocks.push(block.bytes);
      if (block.type === BlockType.EnhancedPacket) seen++;
    }
    if (seen >= packets) break;
  }
  return Buffer.concat(blocks);
}

describeNetwork("WinTunPort control endpoint", () => {
  it("is off by default and refuses a control option that is not a boolean", async () => {
    await expect(
      WinTunPort.create({
        adapterName: "MagmaCtl1",
        packetReceiverFactory: () => ({ tryConsume: (p) => p, flushPendingAcks() {} }),
        control: "yes" as unknown as boolean,
      }),
    ).rejects.toBeInstanceOf(OptionError);
    const port = await createEchoPort("MagmaCtl1", 146);
    ports.push(port);
    expect(port.controlPath).toBeUndefined();
    await expect(ControlClient.connect("MagmaCtl1")).rejects.toMatchObject({
      code: "NO_ENDPOINT",
    });
  });

  it("serves the port's counters and captures to another connection, and removes itself on close", async () => {
    const { port, errors } = await controlledPort("MagmaCtl1", 146);
    expect(port.controlPath).toBe(controlEndpointPath("MagmaCtl1"));
    expect(statSync(port.controlPath as string).mode & 0o777).toBe(0o600);

    expect(await ping("198.18.146.2", 5)).toBe(5);
    const client = await ControlClient.connect("magmactl1");
    expect(client.greeting).toMatchObject({ adapterName: "MagmaCtl1", pid: process.pid });
    const stats = await client.stats();
    expect(stats.rxPackets).toBe(port.stats.rxPackets);
    expect(stats.txPackets).toBeGreaterThanOrEqual(5);
    expect(stats.drops).toMatchObject({ rxPoolExhausted: 0, txRingFull: 0 });

    const stream = await client.capture({ snapLength: 200 });
    const pinging = ping("198.18.146.2", 4);
    const capture = readPcapng(await readPackets(stream, 8));
    expect(await pinging).toBe(4);
    expect(capture.interfaces[0]).toMatchObject({ name: "MagmaCtl1", snapLength: 200 });
    const directions = capture.packets.map((packet) => packet.direction);
    expect(directions.filter((d) => d === PacketDirection.Inbound)).toHaveLength(4);
    expect(directions.filter((d) => d === PacketDirection.Outbound)).toHaveLength(4);

    // The reader going away ends the capture without an error on the port (checked at the end),
    // and the port lets another start once the endpoint has seen it go.
    stream.destroy();
    let started = false;
    for (let attempt = 0; attempt < 50 && !started; attempt++) {
      started = await captureStarts("MagmaCtl1");
      if (!started) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(started).toBe(true);
    expect(await ping("198.18.146.2", 2)).toBe(2);

    await port.close();
    expect(errors).toEqual([]);
    expect(() => statSync(controlEndpointPath("MagmaCtl1"))).toThrow(/ENOENT/);
  });

  it("ends a remote capture's stream, with every captured packet, when the port closes", async () => {
    const { port, errors } = await controlledPort("MagmaCtl2", 147);
    const client = await ControlClient.connect("MagmaCtl2");
    const stream = await client.capture();
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => stream.once("end", resolve));
    expect(await ping("198.18.147.2", 3)).toBe(3);
    await waitFor(() => port.stats.capture.packets >= 6, 2000);
    await port.close();
    await ended;
    const capture = readPcapng(Buffer.concat(chunks));
    expect(capture.packets).toHaveLength(port.stats.capture.packets);
    expect(errors).toEqual([]);
  });
});
