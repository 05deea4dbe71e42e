import { spawnSync } from "node:child_process";
import * as dgram from "node:dgram";
import { once } from "node:events";
import { PacketMemoryPool } from "@magma/memory-pool";
import { afterEach, expect, it } from "vitest";
import { nativeAddon } from "../native-addon.js";
import { PortError } from "../port/port-error.js";
import { WinTunPort } from "../port/win-tun-port.js";
import { describeNetwork, run, waitFor } from "../test-support/network-test.js";

/** The AddressSanitizer and ThreadSanitizer runs load their own build of the addon, and are slower. */
const sanitizerBuild = process.env.MAGMA_WINTUN_ADDON !== undefined;
const RECEIVER_MODULE = new URL("../test-support/flow-echo-receiver.mjs", import.meta.url);
const ports: WinTunPort<never>[] = [];
const sockets: dgram.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
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
      receiverModule: RECEIVER_MODULE,
      ...(extra.queueDepth === undefined ? {} : { queueDepth: extra.queueDepth }),
    },
    ...(extra.pool === undefined ? {} : { pool: extra.pool }),
  });
  ports.push(port);
  run("sysctl", ["-qw", `net.ipv6.conf.${name}.router_solicitations=0`]);
  run("sysctl", ["-qw", `net.ipv6.conf.${name}.disable_ipv6=1`]);
  await port.adapter.configure({ addresses: [`198.18.${subnet}.1/24`] });
  return port;
}

/** A UDP flow from the kernel's side: its replies by sequence number, and who answered each. */
interface Flow {
  readonly socket: dgram.Socket;
  /** Sequence numbers of the replies, in arrival order. */
  readonly sequences: number[];
  /** The worker that answered each reply. */
  readonly workers: Set<number>;
}

async function openFlows(subnet: number, count: number): Promise<Flow[]> {
  const flows: Flow[] = [];
  for (let i = 0; i < count; i++) {
    const socket = dgram.createSocket({ type: "udp4", recvBufferSize: 1 << 20 });
    sockets.push(socket);
    socket.bind(0, `198.18.${subnet}.1`);
    await once(socket, "listening");
    const flow: Flow = { socket, sequences: [], workers: new Set() };
    socket.on("message", (message) => {
      flow.workers.add(message[0] as number);
      flow.sequences.push(message.readUInt32BE(4));
    });
    flows.push(flow);
  }
  return flows;
}

function sendSequence(flow: Flow, subnet: number, from: number, to: number): void {
  for (let sequence = from; sequence < to; sequence++) {
    const payload = Buffer.alloc(32);
    payload.writeUInt32BE(sequence, 4);
    flow.socket.send(payload, 7, `198.18.${subnet}.2`);
  }
}

describeNetwork("WinTunPort with workers", () => {
  it("answers every packet of 32 concurrent flows from the one worker that owns each flow, in order", async () => {
    const port = await createWorkerPort("mgwork40", 40, 2);
    const flows = await openFlows(40, 32);
    // In rounds of 10 per flow (320 packets), as a burst of all 1920 would overflow the kernel's
    // queue in front of the adapter (500 packets) before any reached the port.
    const perFlow = 60;
    for (let round = 0; round < perFlow; round += 10) {
      for (const flow of flows) sendSequence(flow, 40, round, round + 10);
      const all = await waitFor(
        () => flows.every((flow) => flow.sequences.length === round + 10),
        10_000,
      );
      expect(all, `replies per flow: ${flows.map((flow) => flow.sequences.length).join(",")}`).toBe(
        true,
      );
    }
    const owners = new Set<number>();
    for (const flow of flows) {
      // One worker per flow, and the flow's packets left in the order they came.
      expect(flow.workers.size).toBe(1);
      owners.add([...flow.workers][0] as number);
      expect(flow.sequences).toEqual(Array.from({ length: perFlow }, (_, i) => i));
    }
    // 32 flows over 2 workers: both get some (all on one has a chance of 2^-31 per run).
    expect([...owners].sort()).toEqual([0, 1]);
    // Anything else the kernel sent on the link (none is expected) is declined, not answered.
    const settled = (): boolean =>
      (port.stats.workers ?? []).every((w) => w.consumed + w.declined === w.handedOff);
    expect(await waitFor(settled)).toBe(true);
    const workers = port.stats.workers ?? [];
    expect(workers).toHaveLength(2);
    for (const worker of workers) {
      expect(worker.running).toBe(true);
      expect(worker.txPackets).toBe(worker.consumed);
      expect(worker.queueFull + worker.lost + worker.restarts + worker.receiverErrors).toBe(0);
    }
    expect(workers.reduce((sum, worker) => sum + worker.consumed, 0)).toBe(flows.length * perFlow);
    expect(port.stats.receiver.consumed).toBe(flows.length * perFlow);
    expect(port.stats.txPackets).toBe(flows.length * perFlow);
  });

  it("answers while the port's own thread is blocked: no packet passes through it", async () => {
    const port = await createWorkerPort("mgwork47", 134, 2);
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
      workers: { count: 1, receiverModule: RECEIVER_MODULE },
      pool,
      session: { receiveSlots: 16 },
    });
    run("sysctl", ["-qw", "net.ipv6.conf.mgwork48.disable_ipv6=1"]);
    await port.adapter.configure({ addresses: ["198.18.135.1/24"] });
    const errors: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    const [flow] = (await openFlows(135, 1)) as [Flow];
    const ahead = Buffer.alloc(32);
    ahead.write("AHEAD", 0, "latin1");
    // Each round: the queue goes wrong after the answer to "AHEAD", and stays wrong until the
    // worker's next batch; then a burst of 40 needs more than the stock, so the receive thread
    // reads the queue before the worker's first batch of the burst has set it right.
    // A slow build (the sanitizers') may run out of slots within a burst: such a packet is
    // counted, and counts as accounted for.
    const accounted = (): number => flow.sequences.length + port.stats.drops.rxPoolExhausted;
    let expected = 0;
    for (let round = 0; round < 10; round++) {
      flow.socket.send(ahead, 7, "198.18.135.2");
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

  it("restarts a worker that dies under load, counts what it held, and the port goes on", async () => {
    const pool = new PacketMemoryPool({ shared: true });
    const port = await createWorkerPort("mgwork41", 41, 2, { pool });
    ports.splice(ports.indexOf(port), 1);
    const errors: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    const flows = await openFlows(41, 8);
    // Load on every flow, then a death in the middle of it.
    for (const flow of flows) sendSequence(flow, 41, 0, 200);
    await port.terminateWorker(0);
    expect(await waitFor(() => (port.stats.workers?.[0]?.running ?? false) === true, 10_000)).toBe(
      true,
    );
    const died = errors.find((error) => error instanceof PortError && error.code === "WORKER_DIED");
    expect(died).toBeDefined();
    expect(port.stats.workers?.[0]?.restarts).toBe(1);
    // Every flow is answered again, those of the restarted worker too.
    for (const flow of flows) flow.sequences.length = 0;
    for (const flow of flows) sendSequence(flow, 41, 1000, 1010);
    expect(
      await waitFor(
        () => flows.every((flow) => flow.sequences.filter((s) => s >= 1000).length === 10),
        10_000,
      ),
    ).toBe(true);
    // Every packet handed over was answered, declined, or lost with the dead worker. A worker
    // publishes its counts when its queue runs empty, a moment after its last reply went out.
    const unaccounted = (): number =>
      (port.stats.workers ?? []).reduce(
        (sum, w) => sum + w.handedOff - w.consumed - w.declined - w.lost,
        0,
      );
    expect(
      await waitFor(() => unaccounted() === 0, 5_000),
      `handed over and not yet answered, declined or lost: ${unaccounted()}`,
    ).toBe(true);
    expect(port.stats.drops.rxWorkerLost).toBe(port.stats.workers?.[0]?.lost);
    // Nothing leaked: the slots the dead worker held came back, and every other one too.
    await port.close();
    expect(pool.stats.inUse).toBe(0);
  });

  it("a receiver that kills its worker is restarted with a fresh receiver", async () => {
    const port = await createWorkerPort("mgwork42", 42, 1);
    const errors: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    const [flow] = await openFlows(42, 1);
    const die = Buffer.alloc(32);
    die.write("DIE!", 0, "latin1");
    (flow as Flow).socket.send(die, 7, "198.18.42.2");
    expect(await waitFor(() => (port.stats.workers?.[0]?.restarts ?? 0) === 1, 10_000)).toBe(true);
    expect(await waitFor(() => port.stats.workers?.[0]?.running === true, 10_000)).toBe(true);
    const codes = errors.map((error) => (error as PortError).code);
    expect(codes).toContain("WORKER_FAILED");
    expect(codes).toContain("WORKER_DIED");
    sendSequence(flow as Flow, 42, 5, 10);
    expect(await waitFor(() => (flow as Flow).sequences.filter((s) => s >= 5).length === 5)).toBe(
      true,
    );
  });

  it("drops and counts the packets of a worker that falls behind, and the other worker goes on", async () => {
    const port = await createWorkerPort("mgwork46", 46, 2, { queueDepth: 8 });
    // Find a flow of each worker: one datagram each, one at a time (the queues hold 8), and the
    // reply says who answered.
    const flows = await openFlows(46, 16);
    for (const flow of flows) {
      sendSequence(flow, 46, 0, 1);
      expect(await waitFor(() => flow.workers.size === 1)).toBe(true);
    }
    const slowFlow = flows.find((flow) => flow.workers.has(0)) as Flow;
    const fastFlow = flows.find((flow) => flow.workers.has(1)) as Flow;
    // 40 datagrams that hold worker 0 for 50 ms each, and meanwhile 40 ordinary ones for worker 1,
    // 5 at a time (its queue holds 8): worker 1 answers them all while worker 0 is still busy.
    const slow = Buffer.alloc(32);
    slow.write("SLOW", 0, "latin1");
    for (let i = 0; i < 40; i++) slowFlow.socket.send(slow, 7, "198.18.46.2");
    for (let round = 100; round < 140; round += 5) {
      sendSequence(fastFlow, 46, round, round + 5);
      expect(
        await waitFor(() => fastFlow.sequences.filter((s) => s >= 100).length === round - 95),
      ).toBe(true);
    }
    // Worker 0 took 9 (one in hand, 8 queued) and has not answered them all yet.
    expect(slowFlow.sequences.length - 1).toBeLessThan(9);
    const [slowWorker, fastWorker] = port.stats.workers ?? [];
    // Worker 0 holds one packet and 8 wait in its queue: most of the 40 were dropped, and counted.
    expect(slowWorker?.queueFull).toBeGreaterThan(20);
    expect(fastWorker?.queueFull).toBe(0);
    expect(port.stats.drops.rxWorkerQueueFull).toBe(slowWorker?.queueFull);
  });

  it("lets a busy worker receive from the ring itself, and answers every packet in order", async () => {
    const port = await createWorkerPort("mgwork49", 49, 1);
    const flows = await openFlows(49, 8);
    // Rounds of 40 per flow (320 packets, below the kernel's queue of 500 in front of the adapter):
    // the worker is still busy with a round's first packets when the rest are in the ring.
    const perFlow = 400;
    for (let round = 0; round < perFlow; round += 40) {
      for (const flow of flows) sendSequence(flow, 49, round, round + 40);
      const all = await waitFor(
        () => flows.every((flow) => flow.sequences.length === round + 40),
        10_000,
      );
      expect(all, `replies per flow: ${flows.map((flow) => flow.sequences.length).join(",")}`).toBe(
        true,
      );
    }
    for (const flow of flows) {
      expect(flow.sequences).toEqual(Array.from({ length: perFlow }, (_, i) => i));
    }
    const session = port.session.stats;
    // Batches the worker received itself while it held the ring, and the thread's own.
    expect(session.rxWorkerBatches).toBeGreaterThan(0);
    expect(session.rxWorkerBatches).toBeLessThan(session.rxBatches);
    const [worker] = port.stats.workers ?? [];
    expect(worker?.handedOff).toBe(session.rxPackets);
    expect(worker?.queueFull).toBe(0);
  });

  it("takes the ring back from a worker stuck in its receiver, and hands over what comes meanwhile", async () => {
    const port = await createWorkerPort("mgwork50", 161, 1, { queueDepth: 8 });
    const [held, other] = await openFlows(161, 2);
    if (held === undefined || other === undefined) throw new Error("no flows");
    sendSequence(held, 161, 0, 5);
    expect(await waitFor(() => held.sequences.length === 5)).toBe(true);
    // Wakes the worker (so the thread lends it the ring), then holds it for 400 ms.
    const hold = Buffer.alloc(32);
    hold.write("HOLD", 0, "latin1");
    held.socket.send(hold, 7, "198.18.161.2");
    expect(await waitFor(() => port.stats.workers?.[0]?.handedOff === 6)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // While it is stuck, the receive thread reads the ring again: it fills the worker's queue (8)
    // and counts the rest, instead of leaving them in the ring until the worker comes back.
    sendSequence(other, 161, 100, 140);
    expect(
      await waitFor(() => (port.stats.workers?.[0]?.queueFull ?? 0) >= 30, 250),
      `queue-full drops while the worker is stuck: ${port.stats.workers?.[0]?.queueFull}`,
    ).toBe(true);
    expect(other.sequences).toEqual([]);
    // It comes back, answers what its queue held, and the port goes on.
    expect(await waitFor(() => other.sequences.length === 8, 5000)).toBe(true);
    sendSequence(other, 161, 200, 205);
    expect(await waitFor(() => other.sequences.length === 13, 5000)).toBe(true);
    expect(other.sequences).toEqual([
      ...Array.from({ length: 8 }, (_, i) => 100 + i),
      200,
      201,
      202,
      203,
      204,
    ]);
    const [worker] = port.stats.workers ?? [];
    expect((worker?.handedOff ?? 0) + (worker?.queueFull ?? 0)).toBe(port.stats.rxPackets);
  });

  it("closes under load with every slot back in the pool and no thread or session left", async () => {
    const before = nativeAddon().liveResources();
    const pool = new PacketMemoryPool({ shared: true });
    const port = await createWorkerPort("mgwork43", 43, 2, { pool });
    ports.splice(ports.indexOf(port), 1);
    const flows = await openFlows(43, 8);
    let sending = true;
    const load = (async () => {
      let sequence = 0;
      while (sending) {
        for (const flow of flows) sendSequence(flow, 43, sequence, sequence + 20);
        sequence += 20;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await waitFor(
      () => (port.stats.workers ?? []).every((worker) => worker.consumed > 200),
      10_000,
    );
    await port.close();
    sending = false;
    await load;
    expect(pool.stats.inUse).toBe(0);
    expect(nativeAddon().liveResources().sessions).toBe(before.sessions);
    expect((port.stats.workers ?? []).every((worker) => !worker.running)).toBe(true);
  });

  it("refuses what a worker port cannot take, with typed errors and nothing left open", async () => {
    const before = nativeAddon().liveResources();
    const base = { adapterName: "mgwork44" };
    await expect(
      WinTunPort.create({ ...base, workers: { count: 0, receiverModule: RECEIVER_MODULE } }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "workers.count" });
    await expect(
      WinTunPort.create({ ...base, workers: { count: 2, receiverModule: "./receiver.js" } }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "workers.receiverModule" });
    await expect(
      WinTunPort.create({
        ...base,
        workers: { count: 1, receiverModule: RECEIVER_MODULE },
        pool: new PacketMemoryPool(),
      }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "pool" });
    await expect(
      WinTunPort.create({
        ...base,
        workers: { count: 1, receiverModule: RECEIVER_MODULE },
        packetReceiverFactory: (() => ({})) as never,
      }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION", option: "packetReceiverFactory" });
    await expect(
      WinTunPort.create({
        ...base,
        workers: { count: 1, receiverModule: RECEIVER_MODULE, typo: 1 } as never,
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
    expect(() => port.receiver).toThrow(expect.objectContaining({ code: "RECEIVER_IN_WORKERS" }));
    expect(() => port.capture("/dev/null")).toThrow(
      expect.objectContaining({ code: "CAPTURE_UNSUPPORTED" }),
    );
  });
});
