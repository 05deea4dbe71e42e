import { spawnSync } from "node:child_process";
import { PacketMemoryPool } from "@magma/memory-pool";
import {
  describePortWorkers,
  FLOW_ECHO_RECEIVER,
  type Flow,
  openFlows,
  sendCommand,
  sendSequence,
} from "@magma/port-workers-suite";
import { afterEach, expect, it } from "vitest";
import { nativeAddon } from "../native-addon.js";
import { WinTunPort } from "../port/win-tun-port.js";
import { describeNetwork, inTestNamespace, run, waitFor } from "../test-support/network-test.js";

/** The AddressSanitizer and ThreadSanitizer runs load their own build of the addon, and are slower. */
const sanitizerBuild = process.env.MAGMA_WINTUN_ADDON !== undefined;
const ports: WinTunPort<never>[] = [];

afterEach(async () => {
  for (const port of ports.splice(0)) await port.close();
});

async function createWorkerPort(
  name: string,
  subnet: number,
  count: number,
  extra: { pool?: PacketMemoryPool; queueDepth?: number } = {},
): Promise<WinTunPort<never>> {
  const port = await WinTunPort.create({
    adapterName: name,
    workers: {
      count,
      receiverModule: FLOW_ECHO_RECEIVER,
      ...(extra.queueDepth === undefined ? {} : { queueDepth: extra.queueDepth }),
    },
    ...(extra.pool === undefined ? {} : { pool: extra.pool }),
  });
  run("sysctl", ["-qw", `net.ipv6.conf.${name}.router_solicitations=0`]);
  run("sysctl", ["-qw", `net.ipv6.conf.${name}.disable_ipv6=1`]);
  await port.adapter.configure({ addresses: [`198.18.${subnet}.1/24`] });
  return port;
}

// The suite every backend's port runs (@magma/port-workers-suite), here over the wintun emulator.
describePortWorkers({
  portName: "WinTunPort",
  cannotRun: inTestNamespace ? undefined : "not in the test run's network namespace",
  networks: {
    inOrder: { adapterName: "mgwork40", subnet: 40 },
    restart: { adapterName: "mgwork41", subnet: 41 },
    killedByReceiver: { adapterName: "mgwork42", subnet: 42 },
    closeUnderLoad: { adapterName: "mgwork43", subnet: 43 },
    fallsBehind: { adapterName: "mgwork46", subnet: 46 },
    busyWorker: { adapterName: "mgwork49", subnet: 49 },
    stuckWorker: { adapterName: "mgwork50", subnet: 161 },
  },
  createPort: (network, options) =>
    createWorkerPort(network.adapterName, network.subnet, options.count, options),
  workersReceive: true,
  openSessions: () => nativeAddon().liveResources().sessions,
});

describeNetwork("WinTunPort with workers, over wintun", () => {
  it("answers while the port's own thread is blocked: no packet passes through it", async () => {
    const port = await createWorkerPort("mgwork47", 134, 2);
    ports.push(port);
    // A client in another process sends 64 datagrams on 8 flows and waits for every reply, while
    // this thread is blocked in spawnSync: the receive thread must hand each packet to its worker
    // itself, and the workers send the replies themselves.
    const client = `
      const dgram = require("node:dgram");
      const flows = 8, perFlow = 8;
      let replies = 0;
      const timer = setTimeout(() => { console.log(replies); process.exit(1); }, 5000);
      for (let f = 0; f < flows; f++) {
        const socket = dgram.createSocket("udp4");
        socket.bind(0, "198.18.134.1", () => {
          for (let i = 0; i < perFlow; i++) socket.send(Buffer.alloc(32), 7, "198.18.134.2");
        });
        socket.on("message", () => {
          if (++replies === flows * perFlow) { console.log(replies); clearTimeout(timer); process.exit(0); }
        });
      }`;
    const before = port.stats.txPackets;
    const result = spawnSync(process.execPath, ["-e", client], {
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(result.stdout.trim(), result.stderr).toBe("64");
    expect(result.status).toBe(0);
    expect(port.stats.txPackets - before).toBe(64);
  });

  it("takes nothing from a returns queue whose worker wrote it wrong, and goes on once it is right", async () => {
    const pool = new PacketMemoryPool({ shared: true });
    // A stock of 16 slots runs out within each burst, so the receive thread looks at the returns
    // queue again and again while it is wrong.
    const port = await WinTunPort.create({
      adapterName: "mgwork48",
      workers: { count: 1, receiverModule: FLOW_ECHO_RECEIVER },
      pool,
      session: { receiveSlots: 16 },
    });
    run("sysctl", ["-qw", "net.ipv6.conf.mgwork48.disable_ipv6=1"]);
    await port.adapter.configure({ addresses: ["198.18.135.1/24"] });
    const errors: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    const [flow] = (await openFlows(135, 1)) as [Flow];
    // Each round: the queue goes wrong after the answer to "AHEAD", and stays wrong until the
    // worker's next batch; then a burst of 40 needs more than the stock, so the receive thread
    // reads the queue before the worker's first batch of the burst has set it right.
    // A slow build (the sanitizers') may run out of slots within a burst: such a packet is
    // counted, and counts as accounted for.
    const accounted = (): number => flow.sequences.length + port.stats.drops.rxPoolExhausted;
    let expected = 0;
    for (let round = 0; round < 10; round++) {
      sendCommand(flow, 135, "AHEAD");
      expected += 1;
      expect(await waitFor(() => accounted() === expected, 10_000)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const answeredBefore = flow.sequences.length;
      sendSequence(flow, 135, round * 40, round * 40 + 40);
      expected += 40;
      // Within 2 s (it takes milliseconds; a sanitizer build gets 10): a receive thread that took
      // a wrong tail at its word would walk billions of records first.
      expect(
        await waitFor(() => accounted() === expected, sanitizerBuild ? 10_000 : 2_000),
        `replies and drops after round ${round}: ${flow.sequences.length} + ${port.stats.drops.rxPoolExhausted} of ${expected}`,
      ).toBe(true);
      // And the worker answered during the burst, with the queue set right again.
      expect(flow.sequences.length).toBeGreaterThan(answeredBefore);
    }
    const [worker] = port.stats.workers ?? [];
    expect(worker?.restarts).toBe(0);
    expect(worker?.receiverErrors).toBe(0);
    expect(errors).toEqual([]);
    await port.close();
    expect(pool.stats.inUse).toBe(0);
  });

  it("refuses what a worker port cannot take, with typed errors and nothing left open", async () => {
    const before = nativeAddon().liveResources();
    const base = { adapterName: "mgwork44" };
    await expect(
      WinTunPort.create({ ...base, workers: { count: 0, receiverModule: FLOW_ECHO_RECEIVER } }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "workers.count" });
    await expect(
      WinTunPort.create({ ...base, workers: { count: 2, receiverModule: "./receiver.js" } }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "workers.receiverModule" });
    await expect(
      WinTunPort.create({
        ...base,
        workers: { count: 1, receiverModule: FLOW_ECHO_RECEIVER },
        pool: new PacketMemoryPool(),
      }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "pool" });
    await expect(
      WinTunPort.create({
        ...base,
        workers: { count: 1, receiverModule: FLOW_ECHO_RECEIVER },
        packetReceiverFactory: (() => ({})) as never,
      }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "packetReceiverFactory" });
    await expect(
      WinTunPort.create({
        ...base,
        workers: { count: 1, receiverModule: FLOW_ECHO_RECEIVER, typo: 1 } as never,
      }),
    ).rejects.toMatchObject({ code: "UNKNOWN_OPTION" });
    // A module without the export: the workers cannot start, and the port is undone.
    await expect(
      WinTunPort.create({
        ...base,
        workers: {
          count: 2,
          receiverModule: new URL("../test-support/no-factory-receiver.mjs", import.meta.url),
        },
      }),
    ).rejects.toMatchObject({ code: "WORKER_START_FAILED" });
    expect(nativeAddon().liveResources()).toEqual(before);
  });

  it("says that its receivers live in the workers and that capture waits for a later version", async () => {
    const port = await createWorkerPort("mgwork45", 45, 1);
    ports.push(port);
    expect(() => port.receiver).toThrow(expect.objectContaining({ code: "RECEIVER_IN_WORKERS" }));
    expect(() => port.capture("/dev/null")).toThrow(
      expect.objectContaining({ code: "CAPTURE_UNSUPPORTED" }),
    );
  });
});
