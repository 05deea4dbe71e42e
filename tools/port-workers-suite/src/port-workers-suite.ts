// The end-to-end tests of a port's `workers` option, one suite for every backend: each package
// runs it against its own port (WinTunPort over the wintun emulator, TapPort over the TAP
// emulator) with UDP flows from the kernel, in the network namespace its test run creates. The
// workers load flow-echo-receiver.mjs (beside this file), which answers each datagram and says
// which worker answered.
import * as dgram from "node:dgram";
import { once } from "node:events";
import { PacketMemoryPool } from "@magma/memory-pool";
import { afterEach, describe, expect, it } from "vitest";

/** The receiver module the suite's ports give their workers. */
export const FLOW_ECHO_RECEIVER = new URL("./flow-echo-receiver.mjs", import.meta.url);

/** What the suite reads of a worker's counters (`port.stats.workers`). */
export interface SuiteWorkerStatistics {
  readonly running: boolean;
  readonly restarts: number;
  readonly handedOff: number;
  readonly queueFull: number;
  readonly lost: number;
  readonly consumed: number;
  readonly declined: number;
  readonly receiverErrors: number;
  readonly txPackets: number;
}

/** What the suite uses of a port with workers (both backends' ports are SessionPorts). */
export interface SuitePort {
  readonly stats: {
    readonly rxPackets: number;
    readonly txPackets: number;
    readonly drops: { readonly rxWorkerQueueFull: number; readonly rxWorkerLost: number };
    readonly receiver: { readonly consumed: number };
    readonly workers?: readonly SuiteWorkerStatistics[];
  };
  readonly session: {
    readonly stats: {
      readonly rxPackets: number;
      readonly rxBatches: number;
      readonly rxWorkerBatches: number;
    };
  };
  on(event: "error", listener: (error: unknown) => void): unknown;
  /** Ends worker `index`'s thread as a crash would. */
  terminateWorker(index: number): Promise<number>;
  close(): Promise<void>;
}

/** The adapter of one test: its name, and its address 198.18.<subnet>.1/24. */
export interface SuiteNetwork {
  readonly adapterName: string;
  readonly subnet: number;
}

export type SuiteTest =
  | "inOrder"
  | "restart"
  | "killedByReceiver"
  | "fallsBehind"
  | "busyWorker"
  | "stuckWorker"
  | "closeUnderLoad";

export interface PortWorkersBackend {
  /** The port's class, for the suite's name. */
  readonly portName: string;
  /** Why the suite cannot run here (no network namespace of the test run's own), or undefined. */
  readonly cannotRun: string | undefined;
  /** One adapter per test, each on a subnet no other test of the run uses. */
  readonly networks: Readonly<Record<SuiteTest, SuiteNetwork>>;
  /**
   * A port on `network`'s adapter, configured with its address, with `count` workers loading
   * FLOW_ECHO_RECEIVER.
   */
  createPort(
    network: SuiteNetwork,
    options: { count: number; pool?: PacketMemoryPool; queueDepth?: number },
  ): Promise<SuitePort>;
  /**
   * Whether busy workers receive from the ring themselves (wintun), or only the session's receive
   * thread does (TAP, whose reads are posted by the receiving thread).
   */
  readonly workersReceive: boolean;
  /** Sessions open in this process (the addon's live resources). */
  openSessions(): number;
  /** After each test, once its ports are closed (an emulated adapter to delete). */
  afterEach?(): Promise<void>;
}

/** A UDP flow from the kernel's side: its replies by sequence number, and who answered each. */
export interface Flow {
  readonly socket: dgram.Socket;
  /** Sequence numbers of the replies, in arrival order. */
  readonly sequences: number[];
  /** The worker that answered each reply (flow-echo-receiver.mjs writes it into the reply). */
  readonly workers: Set<number>;
}

const sockets: dgram.Socket[] = [];

/** `count` UDP flows from 198.18.<subnet>.1 (the kernel's side); closeFlows() closes them. */
export async function openFlows(subnet: number, count: number): Promise<Flow[]> {
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

export function closeFlows(): void {
  for (const socket of sockets.splice(0)) socket.close();
}

/** Datagrams numbered `from` to `to` - 1 to the port's side (198.18.<subnet>.2), port 7. */
export function sendSequence(flow: Flow, subnet: number, from: number, to: number): void {
  for (let sequence = from; sequence < to; sequence++) {
    const payload = Buffer.alloc(32);
    payload.writeUInt32BE(sequence, 4);
    flow.socket.send(payload, 7, `198.18.${subnet}.2`);
  }
}

/** A datagram whose payload starts with one of flow-echo-receiver.mjs's commands ("SLOW", ...). */
export function sendCommand(flow: Flow, subnet: number, command: string): void {
  const payload = Buffer.alloc(32);
  payload.write(command, 0, "latin1");
  flow.socket.send(payload, 7, `198.18.${subnet}.2`);
}

/**
 * What either backend holds in front of the port, in packets: the kernel's queue in front of a TUN
 * adapter (500), and for a TAP device its 256 posted reads and the driver's own queue of 64
 * (reference B.5), beyond which it drops. A round of the tests below stays well under it, stray
 * packets of the kernel's (neighbour discovery, IGMP) included.
 */
export const FRONT_BUFFER = 320;

/**
 * `perFlow` datagrams on every flow, `perRound` per flow at a time; each round waits until every
 * flow has all its replies so far.
 */
async function sendInRounds(
  port: SuitePort,
  flows: readonly Flow[],
  subnet: number,
  perFlow: number,
  perRound: number,
): Promise<void> {
  if (flows.length * perRound > FRONT_BUFFER / 1.5) {
    throw new RangeError(`${flows.length * perRound} packets a round is too close to FRONT_BUFFER`);
  }
  for (let round = 0; round < perFlow; round += perRound) {
    for (const flow of flows) sendSequence(flow, subnet, round, round + perRound);
    const all = await waitFor(
      () => flows.every((flow) => flow.sequences.length === round + perRound),
      10_000,
    );
    // The port's counters say where a missing reply went (a counted drop, or none).
    expect(
      all,
      `replies per flow: ${flows.map((flow) => flow.sequences.length).join(",")}; port: ${JSON.stringify(port.stats)}`,
    ).toBe(true);
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

export function describePortWorkers(backend: PortWorkersBackend): void {
  const ports: SuitePort[] = [];

  afterEach(async () => {
    closeFlows();
    for (const port of ports.splice(0)) await port.close();
    await backend.afterEach?.();
  });

  async function createPort(
    test: SuiteTest,
    count: number,
    extra: { pool?: PacketMemoryPool; queueDepth?: number } = {},
  ): Promise<{ port: SuitePort; subnet: number }> {
    const network = backend.networks[test];
    const port = await backend.createPort(network, { count, ...extra });
    ports.push(port);
    // One datagram answered before the test's own: the kernel knows the way to the port then. On
    // an Ethernet adapter (TAP) the first packets wait for ARP in a short queue that drops the
    // oldest, and one sent as the neighbour resolves may overtake those still queued.
    const [warmUp] = (await openFlows(network.subnet, 1)) as [Flow];
    sendSequence(warmUp, network.subnet, 0, 1);
    expect(await waitFor(() => warmUp.sequences.length === 1, 10_000)).toBe(true);
    return { port, subnet: network.subnet };
  }

  /** Datagrams each port answered before its test began (createPort's). */
  const warmUpReplies = 1;

  /** Closes the port in the test (to look at what close left), not after it. */
  function keepOpenUntilTheTestCloses(port: SuitePort): void {
    ports.splice(ports.indexOf(port), 1);
  }

  describe.skipIf(backend.cannotRun !== undefined)(`${backend.portName} with workers`, () => {
    it("answers every packet of 32 concurrent flows from the one worker that owns each flow, in order", async () => {
      const { port, subnet } = await createPort("inOrder", 2);
      const flows = await openFlows(subnet, 32);
      // In rounds of 6 per flow (192 packets), as a burst of all 1920 would overflow what is
      // buffered in front of the port before any reached it (FRONT_BUFFER).
      const perFlow = 60;
      await sendInRounds(port, flows, subnet, perFlow, 6);
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
      const answered = flows.length * perFlow + warmUpReplies;
      expect(workers.reduce((sum, worker) => sum + worker.consumed, 0)).toBe(answered);
      expect(port.stats.receiver.consumed).toBe(answered);
      expect(port.stats.txPackets).toBe(answered);
    });

    it("restarts a worker that dies under load, counts what it held, and the port goes on", async () => {
      const pool = new PacketMemoryPool({ shared: true });
      const { port, subnet } = await createPort("restart", 2, { pool });
      keepOpenUntilTheTestCloses(port);
      const errors: unknown[] = [];
      port.on("error", (error) => errors.push(error));
      const flows = await openFlows(subnet, 8);
      // Load on every flow, then a death in the middle of it.
      for (const flow of flows) sendSequence(flow, subnet, 0, 200);
      await port.terminateWorker(0);
      expect(
        await waitFor(() => (port.stats.workers?.[0]?.running ?? false) === true, 10_000),
      ).toBe(true);
      expect(errors.map((error) => (error as { code?: unknown }).code)).toContain("WORKER_DIED");
      expect(port.stats.workers?.[0]?.restarts).toBe(1);
      // Every flow is answered again, those of the restarted worker too.
      for (const flow of flows) flow.sequences.length = 0;
      for (const flow of flows) sendSequence(flow, subnet, 1000, 1010);
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
      const { port, subnet } = await createPort("killedByReceiver", 1);
      const errors: unknown[] = [];
      port.on("error", (error) => errors.push(error));
      const [flow] = (await openFlows(subnet, 1)) as [Flow];
      sendCommand(flow, subnet, "DIE!");
      expect(await waitFor(() => (port.stats.workers?.[0]?.restarts ?? 0) === 1, 10_000)).toBe(
        true,
      );
      expect(await waitFor(() => port.stats.workers?.[0]?.running === true, 10_000)).toBe(true);
      const codes = errors.map((error) => (error as { code?: unknown }).code);
      expect(codes).toContain("WORKER_FAILED");
      expect(codes).toContain("WORKER_DIED");
      sendSequence(flow, subnet, 5, 10);
      expect(await waitFor(() => flow.sequences.filter((s) => s >= 5).length === 5)).toBe(true);
    });

    it("drops and counts the packets of a worker that falls behind, and the other worker goes on", async () => {
      const { port, subnet } = await createPort("fallsBehind", 2, { queueDepth: 8 });
      // Find a flow of each worker: one datagram each, one at a time (the queues hold 8), and the
      // reply says who answered.
      const flows = await openFlows(subnet, 16);
      for (const flow of flows) {
        sendSequence(flow, subnet, 0, 1);
        expect(await waitFor(() => flow.workers.size === 1)).toBe(true);
      }
      const slowFlow = flows.find((flow) => flow.workers.has(0)) as Flow;
      const fastFlow = flows.find((flow) => flow.workers.has(1)) as Flow;
      // 40 datagrams that hold worker 0 for 50 ms each, and meanwhile 40 ordinary ones for worker
      // 1, 5 at a time (its queue holds 8): worker 1 answers them all while worker 0 is still busy.
      for (let i = 0; i < 40; i++) sendCommand(slowFlow, subnet, "SLOW");
      for (let round = 100; round < 140; round += 5) {
        sendSequence(fastFlow, subnet, round, round + 5);
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

    it(`${backend.workersReceive ? "lets a busy worker receive from the ring itself" : "keeps receiving on the session's thread"}, and answers every packet in order`, async () => {
      const { port, subnet } = await createPort("busyWorker", 1);
      const flows = await openFlows(subnet, 8);
      // Rounds of 20 per flow (160 packets, within FRONT_BUFFER): the worker is still busy with a
      // round's first packets when the rest are in the ring.
      const perFlow = 400;
      await sendInRounds(port, flows, subnet, perFlow, 20);
      for (const flow of flows) {
        expect(flow.sequences).toEqual(Array.from({ length: perFlow }, (_, i) => i));
      }
      const session = port.session.stats;
      // Batches the worker received itself while it held the ring, and the thread's own.
      if (backend.workersReceive) {
        expect(session.rxWorkerBatches).toBeGreaterThan(0);
        expect(session.rxWorkerBatches).toBeLessThan(session.rxBatches);
      } else {
        expect(session.rxWorkerBatches).toBe(0);
      }
      const [worker] = port.stats.workers ?? [];
      expect(worker?.handedOff).toBe(session.rxPackets);
      expect(worker?.queueFull).toBe(0);
    });

    it("takes the ring back from a worker stuck in its receiver, and hands over what comes meanwhile", async () => {
      const { port, subnet } = await createPort("stuckWorker", 1, { queueDepth: 8 });
      const [held, other] = (await openFlows(subnet, 2)) as [Flow, Flow];
      sendSequence(held, subnet, 0, 5);
      expect(await waitFor(() => held.sequences.length === 5)).toBe(true);
      const before = port.stats.workers?.[0]?.handedOff ?? 0;
      // Wakes the worker (so the thread lends it the ring), then holds it for 400 ms.
      sendCommand(held, subnet, "HOLD");
      expect(await waitFor(() => port.stats.workers?.[0]?.handedOff === before + 1)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 20));
      // While it is stuck, the receive thread reads the ring again: it fills the worker's queue
      // (8) and counts the rest, instead of leaving them in the ring until the worker comes back.
      sendSequence(other, subnet, 100, 140);
      expect(
        await waitFor(() => (port.stats.workers?.[0]?.queueFull ?? 0) >= 30, 250),
        `queue-full drops while the worker is stuck: ${port.stats.workers?.[0]?.queueFull}`,
      ).toBe(true);
      expect(other.sequences).toEqual([]);
      // It comes back, answers what its queue held, and the port goes on.
      expect(await waitFor(() => other.sequences.length === 8, 5000)).toBe(true);
      sendSequence(other, subnet, 200, 205);
      expect(await waitFor(() => other.sequences.length === 13, 5000)).toBe(true);
      expect(other.sequences).toEqual([
        ...Array.from({ length: 8 }, (_, i) => 100 + i),
        ...Array.from({ length: 5 }, (_, i) => 200 + i),
      ]);
      const [worker] = port.stats.workers ?? [];
      expect((worker?.handedOff ?? 0) + (worker?.queueFull ?? 0)).toBe(port.stats.rxPackets);
    });

    it("closes under load with every slot back in the pool and no thread or session left", async () => {
      const before = backend.openSessions();
      const pool = new PacketMemoryPool({ shared: true });
      const { port, subnet } = await createPort("closeUnderLoad", 2, { pool });
      keepOpenUntilTheTestCloses(port);
      const flows = await openFlows(subnet, 8);
      let sending = true;
      const load = (async () => {
        let sequence = 0;
        while (sending) {
          for (const flow of flows) sendSequence(flow, subnet, sequence, sequence + 20);
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
      expect(backend.openSessions()).toBe(before);
      expect((port.stats.workers ?? []).every((worker) => !worker.running)).toBe(true);
    });
  });
}
