// TapPort against kernel traffic: emulated tap0901 adapters are Linux TAP interfaces in this run's
// network namespace (scripts/run-tests.mjs), the kernel's ping the peer. Each case cites the driver
// fact (reference B) it relies on.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { PacketMemoryPool } from "@magma/memory-pool";
import { OptionError } from "@magma/transport";
import { ControlClient, internalNativeAddon } from "@magma/wintun-native";
import { afterEach, describe, expect, it } from "vitest";
import {
  createTapAdapter,
  deleteTapAdapter,
  setTapAdapterEnabled,
  TapError,
  TapErrorCode,
  TapPort,
} from "./index.js";
import {
  emulateDriverVersion,
  holdAdapter,
  limitReadBuffers,
} from "./test-support/emulator-hooks.js";
import { PingAnswerer } from "./test-support/ping-answerer.js";

const run = promisify(execFile);
const inTestNamespace = process.env.MAGMA_TEST_NETNS === "1";

interface PingResult {
  transmitted: number;
  received: number;
}

async function ping(address: string, count: number, extra: string[] = []): Promise<PingResult> {
  const output = await run(
    "ping",
    ["-n", "-c", String(count), "-i", "0.01", "-W", "1", ...extra, address],
    {
      encoding: "utf8",
    },
  ).then(
    (result) => result.stdout,
    (error: { stdout?: string }) => error.stdout ?? "",
  );
  const match = /(\d+) packets transmitted, (\d+) received/.exec(output);
  return { transmitted: Number(match?.[1] ?? 0), received: Number(match?.[2] ?? 0) };
}

async function interfaceAddresses(name: string): Promise<string[]> {
  const { stdout } = await run("ip", ["-o", "addr", "show", "dev", name], { encoding: "utf8" });
  return stdout
    .split("\n")
    .map((line) => /inet6? (\S+)/.exec(line)?.[1])
    .filter((address): address is string => address !== undefined && !address.startsWith("fe80"));
}

async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function live(): Record<string, number> {
  return internalNativeAddon().liveResources();
}

describe.skipIf(!inTestNamespace)("TapPort over the TAP emulator", () => {
  const made: string[] = [];
  const ports: TapPort<PingAnswerer>[] = [];
  const releases: (() => void)[] = [];

  afterEach(async () => {
    for (const port of ports.splice(0)) await port.close();
    for (const release of releases.splice(0)) release();
    for (const guid of made.splice(0)) {
      await deleteTapAdapter(guid).catch((error: unknown) => {
        if (!(error instanceof TapError && error.code === TapErrorCode.NOT_FOUND)) throw error;
      });
    }
    expect(live()).toMatchObject({ sessions: 0, receiveThreads: 0, tapDevices: 0 });
  });

  async function open(name: string, subnet: number, extra: { pool?: PacketMemoryPool } = {}) {
    const adapter = await createTapAdapter(name);
    made.push(adapter.guid);
    const port = await TapPort.create<PingAnswerer>({
      adapterName: name,
      // B.4: CONFIG_TUN's local is the adapter's own address; IPv6 as /128 via fe80::8.
      network: { addresses: [`198.18.${subnet}.1/24`, `fd6d:6167:6d61:${subnet}::1/64`] },
      packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
      ...extra,
    });
    ports.push(port);
    return { adapter, port };
  }

  it("answers the kernel's ping over IPv4 and IPv6 with a receiver written for any port (B.4)", async () => {
    const { adapter, port } = await open("tapport1", 170);
    // B.4/B.7: the driver answers ARP for 198.18.170.2 (in the network, not local), so IPv4 to it
    // reaches the port; IPv6 goes via fe80::8, whose solicitations the driver answers.
    const v4 = await ping("198.18.170.2", 20);
    const v6 = await ping("fd6d:6167:6d61:170::2", 20);
    expect(v4).toEqual({ transmitted: 20, received: 20 });
    expect(v6).toEqual({ transmitted: 20, received: 20 });
    expect(port.receiver.answered).toBeGreaterThanOrEqual(40);
    // What the device said when the port opened it; no other adapter was opened for it.
    expect(port.adapter).toMatchObject({
      guid: adapter.guid,
      name: "tapport1",
      driverVersion: { major: 9, minor: 27 },
      mtu: 1500,
      mac: adapter.mac,
      interfaceName: "tapport1",
    });
    expect(port.driverMtu).toBe(1500);
    expect(port.transmitter.maxPacketLength).toBe(1500);
    const stats = port.stats;
    expect(stats.rxPackets).toBeGreaterThanOrEqual(40);
    expect(stats.txPackets).toBe(port.receiver.answered);
    expect(stats.rxBatches).toBeGreaterThan(0);
    expect(stats.drops).toMatchObject({ rxPoolExhausted: 0, txRingFull: 0, txInvalidPacket: 0 });
    // The addresses given, IPv6 as the /128 the driver's TUN mode needs.
    expect((await interfaceAddresses("tapport1")).sort()).toEqual(
      ["198.18.170.1/24", "fd6d:6167:6d61:170::1/128"].sort(),
    );
  });

  it("carries a packet of the full MTU both ways, and no longer one (B.5)", async () => {
    const { port } = await open("tapport2", 171);
    // 1472 bytes of ICMP payload + 8 + 20 = 1500, the driver's MTU.
    expect(await ping("198.18.171.2", 5, ["-s", "1472", "-M", "do"])).toEqual({
      transmitted: 5,
      received: 5,
    });
    expect(port.receiver.longest).toBe(1500);
    // The transmitter lends nothing longer than the driver's MTU.
    expect(() => port.transmitter.tryGetNextBuffer(1501)).toThrow();
  });

  it("closes: the session's I/O ends, the handle goes, the addresses it added go, nothing leaks", async () => {
    const pool = new PacketMemoryPool();
    const { adapter, port } = await open("tapport3", 172, { pool });
    expect(live()).toMatchObject({ sessions: 1, receiveThreads: 1, tapDevices: 1 });
    // A flood bounded by a 2-second deadline (-w): ping sends as fast as replies come back.
    const flood = ping("198.18.172.2", 100_000, ["-f", "-w", "2"]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await port.close();
    await port.close(); // idempotent
    await flood;
    expect(await port.ended).toEqual({ reason: "closed" });
    expect(pool.stats.inUse).toBe(0);
    expect(live()).toMatchObject({ sessions: 0, receiveThreads: 0, tapDevices: 0 });
    expect(await interfaceAddresses("tapport3")).toEqual([]);
    // B.2: the handle is closed, so the adapter opens again.
    const again = await TapPort.create<PingAnswerer>({
      guid: adapter.guid,
      network: { addresses: ["198.18.172.1/24"] },
      packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
    });
    ports.push(again);
    expect(await ping("198.18.172.2", 3)).toEqual({ transmitted: 3, received: 3 });
  });

  it("ends with adapter-removed when the adapter goes away under load (B.5), leaking nothing", async () => {
    const pool = new PacketMemoryPool();
    const { adapter, port } = await open("tapport4", 173, { pool });
    const ends: string[] = [];
    port.on("end", (end) => ends.push(end.reason));
    const flood = ping("198.18.173.2", 100_000, ["-f", "-w", "2"]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await deleteTapAdapter(adapter.guid);
    const end = await port.ended;
    expect(end.reason).toBe("adapter-removed");
    expect(ends).toEqual(["adapter-removed"]);
    await flood;
    await port.close();
    expect(pool.stats.inUse).toBe(0);
    expect(live()).toMatchObject({ sessions: 0, receiveThreads: 0, tapDevices: 0 });
  });

  it("refuses an adapter another handle holds with GEN_FAILURE and the real reason (B.2)", async () => {
    const adapter = await createTapAdapter("tapheld");
    made.push(adapter.guid);
    releases.push(holdAdapter(adapter.guid));
    const error = await TapPort.create<PingAnswerer>({
      adapterName: "tapheld",
      packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TapError);
    expect(error).toMatchObject({ code: TapErrorCode.GEN_FAILURE, call: "CreateFileW" });
    expect((error as TapError).hint).toMatch(/one open at a time/);
  });

  it("a second port on the same adapter is the other holder (B.2)", async () => {
    const { port } = await open("tapsecond", 174);
    const error = await TapPort.create<PingAnswerer>({
      guid: port.adapter.guid,
      packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: TapErrorCode.GEN_FAILURE });
    // The first port is undisturbed.
    expect(await ping("198.18.174.2", 3)).toEqual({ transmitted: 3, received: 3 });
  });

  it("refuses a phantom (disabled) adapter with FILE_NOT_FOUND, and an unknown one with NOT_FOUND (B.1.5)", async () => {
    const adapter = await createTapAdapter("tapghost");
    made.push(adapter.guid);
    await setTapAdapterEnabled(adapter.guid, false);
    await expect(
      TapPort.create<PingAnswerer>({
        adapterName: "tapghost",
        packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
      }),
    ).rejects.toMatchObject({ code: TapErrorCode.FILE_NOT_FOUND });
    await expect(
      TapPort.create<PingAnswerer>({
        adapterName: "no such adapter",
        packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
      }),
    ).rejects.toMatchObject({ code: TapErrorCode.NOT_FOUND });
    expect(live()).toMatchObject({ tapDevices: 0 });
  });

  it("refuses a driver below 9.9 with NOT_SUPPORTED and why, as OpenVPN does (B intro, B.3)", async () => {
    const adapter = await createTapAdapter("tapold");
    made.push(adapter.guid);
    emulateDriverVersion(9, 8);
    try {
      const error = await TapPort.create<PingAnswerer>({
        adapterName: "tapold",
        packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TapError);
      expect(error).toMatchObject({
        code: TapErrorCode.NOT_SUPPORTED,
        detail: "driver version 9.8 is below 9.9",
      });
      expect((error as TapError).hint).toMatch(/older than 9\.9/);
    } finally {
      emulateDriverVersion(9, 27);
    }
    // 9.9 itself is accepted.
    emulateDriverVersion(9, 9);
    try {
      const port = await TapPort.create<PingAnswerer>({
        adapterName: "tapold",
        packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
      });
      await port.close();
    } finally {
      emulateDriverVersion(9, 27);
    }
  });

  it("counts a packet the driver cut short for a small read buffer, and goes on (B.5)", async () => {
    const { adapter, port } = await open("tapshort", 177);
    // Reads now hold at most 300 bytes: a longer packet completes with ERROR_MORE_DATA, lost.
    limitReadBuffers(adapter.guid, 300);
    expect(await ping("198.18.177.2", 3, ["-s", "400"])).toEqual({ transmitted: 3, received: 0 });
    expect(port.stats.drops.rxInvalidPacket).toBe(3);
    // Short packets still pass, on the same reads.
    expect(await ping("198.18.177.2", 3, ["-s", "100"])).toEqual({ transmitted: 3, received: 3 });
    limitReadBuffers(adapter.guid, 0);
    expect(await ping("198.18.177.2", 3, ["-s", "400"])).toEqual({ transmitted: 3, received: 3 });
  });

  it("runs its receivers on worker threads, each transmitter capped at the driver's MTU", async () => {
    const adapter = await createTapAdapter("tapworkers");
    made.push(adapter.guid);
    const caps: number[] = [];
    const channel = new BroadcastChannel("tap-port-worker-test");
    channel.onmessage = (event) => {
      caps.push((event as { data: { maxPacketLength: number } }).data.maxPacketLength);
    };
    try {
      const port = await TapPort.create({
        adapterName: "tapworkers",
        network: { addresses: ["198.18.178.1/24"] },
        workers: {
          count: 2,
          receiverModule: fileURLToPath(
            new URL("./test-support/ping-answerer-worker.mjs", import.meta.url),
          ),
        },
      });
      try {
        expect(await ping("198.18.178.2", 20)).toEqual({ transmitted: 20, received: 20 });
        expect(port.stats.workers?.length).toBe(2);
        expect(port.stats.txPackets).toBe(20);
        await waitUntil(() => caps.length === 2);
        expect(caps).toEqual([1500, 1500]);
      } finally {
        await port.close();
      }
    } finally {
      channel.close();
    }
  });

  it("serves magma stats through its control endpoint as a 'tap' port", async () => {
    const directory = mkdtempSync(join(tmpdir(), "magma-tap-control-"));
    const previous = process.env.MAGMA_CONTROL_DIR;
    process.env.MAGMA_CONTROL_DIR = directory;
    try {
      const adapter = await createTapAdapter("tapcontrol");
      made.push(adapter.guid);
      const port = await TapPort.create<PingAnswerer>({
        adapterName: "tapcontrol",
        network: { addresses: ["198.18.179.1/24"] },
        control: true,
        packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
      });
      ports.push(port);
      expect(port.controlPath).toBeDefined();
      expect(await ping("198.18.179.2", 3)).toEqual({ transmitted: 3, received: 3 });
      const client = await ControlClient.connect("tapcontrol");
      try {
        expect(client.greeting).toMatchObject({ adapterName: "tapcontrol", backend: "tap" });
        expect((await client.stats()).txPackets).toBe(port.stats.txPackets);
      } finally {
        client.close();
      }
    } finally {
      if (previous === undefined) delete process.env.MAGMA_CONTROL_DIR;
      else process.env.MAGMA_CONTROL_DIR = previous;
      for (const port of ports.splice(0)) await port.close();
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("checks every option before it opens anything", async () => {
    const adapter = await createTapAdapter("tapoptions");
    made.push(adapter.guid);
    const factory = (transmitter: ConstructorParameters<typeof PingAnswerer>[0]) =>
      new PingAnswerer(transmitter);
    const bad: unknown[] = [
      { packetReceiverFactory: factory }, // neither name nor GUID
      { adapterName: "tapoptions", guid: adapter.guid, packetReceiverFactory: factory },
      { adapterName: "tapoptions", packetReceiverFactory: factory, capacity: 1 << 20 },
      { adapterName: "tapoptions", packetReceiverFactory: factory, mtu: 100 },
      {
        adapterName: "tapoptions",
        packetReceiverFactory: factory,
        network: { addresses: ["198.18.175.1/24", "198.18.176.1/24"] }, // CONFIG_TUN takes one
      },
      { adapterName: "tapoptions", packetReceiverFactory: factory, network: { address: "x" } },
    ];
    for (const options of bad) {
      await expect(TapPort.create(options as never)).rejects.toBeInstanceOf(OptionError);
    }
    // Known only once the device says its MTU: above it the driver would drop frames (B.5).
    await expect(
      TapPort.create<PingAnswerer>({
        adapterName: "tapoptions",
        mtu: 9000,
        packetReceiverFactory: factory,
      }),
    ).rejects.toMatchObject({ option: "mtu" });
    expect(live()).toMatchObject({ tapDevices: 0, sessions: 0 });
    expect(await interfaceAddresses("tapoptions")).toEqual([]);
  });
});
