import { randomBytes } from "node:crypto";
import { isAbsolute } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { PacketMemoryPool, PacketMemoryPoolOptions, PooledPacket } from "@magma/memory-pool";
import { checkOptionNames, integerOption, OptionError } from "@magma/transport";
import { PortError } from "../port/port-error.js";
import { slotTableOf } from "../session/slot-table.js";
import type { WinTunBatchHandler } from "../session/wintun-session.js";
import { PortWorkerThread } from "./port-worker-thread.js";
import {
  DOORBELL_FIELDS,
  DOORBELL_RINGS,
  DOORBELL_SLEEPING,
  WORKER_COUNTER_COUNT,
  WorkerCounter,
} from "./worker-channel.js";

/**
 * What the workers need of a port's session, whichever backend runs it: its pool (shared), its
 * send ring opened to other threads, flow steering of its batches, and its batches.
 */
export interface WorkerSteeredSession {
  readonly pool: PacketMemoryPool;
  readonly isClosed: boolean;
  shareSendRing(): number;
  steerFlows(key: Uint8Array, workers: number): void;
  setReceiveHandler(handler: WinTunBatchHandler | undefined): void;
}

/** A port's `workers` option. */
export interface PortWorkersOptions {
  /** Worker threads, 1 to 64. Each runs its own receiver; every packet of a flow goes to one. */
  readonly count: number;
  /**
   * The module each worker imports: its named export `packetReceiverFactory` is the factory a
   * single-threaded port takes. A URL (`new URL("./receiver.js", import.meta.url)`), a file URL
   * string or an absolute path.
   */
  readonly receiverModule: URL | string;
  /**
   * Packets waiting for one worker at most (rounded up to a power of two); beyond it the packets
   * of its flows are dropped and counted (`queueFull`), and the other workers go on. Default 1024.
   */
  readonly queueDepth?: number;
  /**
   * Each worker's own pool for what it sends. Default: 1024 small slots of the port pool's size
   * and 4 large ones.
   */
  readonly sendPool?: Omit<PacketMemoryPoolOptions, "shared">;
}

/** One worker's counters: what the port handed it and lost for it, and what it did. */
export interface PortWorkerStatistics {
  readonly index: number;
  /** Whether the worker runs now (false while it restarts, or once it could not). */
  readonly running: boolean;
  /** Times it died and was started again. */
  readonly restarts: number;
  /** Packets handed to it. */
  readonly handedOff: number;
  /** Packets of its flows dropped because its queue was full. */
  readonly queueFull: number;
  /** Packets it held or had queued when it died: dropped. */
  readonly lost: number;
  readonly consumed: number;
  readonly declined: number;
  readonly receiverErrors: number;
  readonly txPackets: number;
  readonly txBytes: number;
  /** Its packets the send ring refused (full, or the session ending under the batch). */
  readonly txRefused: number;
  readonly txSessionEnded: number;
  readonly txPoolExhausted: number;
  readonly txLargePoolExhausted: number;
}

interface PortSideCounters {
  restarts: number;
  handedOff: number;
  queueFull: number;
  lost: number;
  /** What earlier (dead) threads of this worker did, so the counts survive a restart. */
  before: Float64Array;
}

const WHERE = "WinTunPort.create";
const MAX_WORKERS = 64;
/** How long close() lets a worker finish the batch in hand before it terminates it. */
const STOP_GRACE_MS = 2000;
/** Restarts of one worker within RESTART_WINDOW_MS before it is left stopped. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 10_000;
/** The least time between two wake-ups of the port for returned slots alone. */
const RETURNS_COALESCE_MS = 1;

export interface ResolvedPortWorkersOptions {
  readonly count: number;
  readonly receiverModule: string;
  readonly queueDepth: number;
  readonly sendPool: Omit<PacketMemoryPoolOptions, "shared"> | undefined;
}

/** Checks the `workers` option before anything is opened. */
export function resolvePortWorkersOptions(value: unknown): ResolvedPortWorkersOptions {
  if (typeof value !== "object" || value === null) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "workers",
      value,
      "an object { count, receiverModule }",
    );
  }
  const options = value as PortWorkersOptions;
  checkOptionNames(
    WHERE,
    options,
    ["count", "receiverModule", "queueDepth", "sendPool"],
    "workers",
  );
  const count = integerOption(WHERE, "workers.count", options.count, 0, 1, MAX_WORKERS);
  const queueDepth = integerOption(WHERE, "workers.queueDepth", options.queueDepth, 1024, 1, 65536);
  const module = options.receiverModule;
  let receiverModule: string;
  if (module instanceof URL) receiverModule = module.href;
  else if (typeof module === "string" && module.startsWith("file:")) receiverModule = module;
  else if (typeof module === "string" && isAbsolute(module)) {
    receiverModule = pathToFileURL(module).href;
  } else {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "workers.receiverModule",
      module,
      "a URL, a file: URL string or an absolute path",
      'each worker imports it by URL: a module beside yours is new URL("./receiver.js", <your module\'s URL>)',
    );
  }
  if (
    options.sendPool !== undefined &&
    (typeof options.sendPool !== "object" || options.sendPool === null)
  ) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "workers.sendPool",
      options.sendPool,
      "pool options",
    );
  }
  return { count, receiverModule, queueDepth, sendPool: options.sendPool };
}

/**
 * A port's worker threads: the fan-out of each received batch to the workers that own its flows,
 * the slots they give back, their counters, and their restart when one dies.
 *
 * Received packets stay where the receive path put them, in the port's pool (on
 * `SharedArrayBuffer`s); a worker gets each packet's slot id and length through its queue, and
 * gives the slot back through another when its receiver disposes the packet. Workers send from
 * pools of their own straight into the session's send ring.
 */
export class PortWorkers {
  readonly #session: WorkerSteeredSession;
  readonly #pool: PacketMemoryPool;
  readonly #options: ResolvedPortWorkersOptions;
  #onError: (error: unknown) => void = (error) =>
    process.emitWarning(error instanceof Error ? error : String(error), "MagmaPortWarning");
  readonly #threads: (PortWorkerThread | undefined)[];
  readonly #counters: PortSideCounters[];
  readonly #restartTimes: number[][];
  /** Per slot of the port's pool: 1 + the worker it is lent to, or 0. */
  readonly #lentTo: Uint8Array;
  readonly #doorbellBuffer = new SharedArrayBuffer(DOORBELL_FIELDS * 4);
  readonly #doorbell = new Int32Array(this.#doorbellBuffer);
  readonly #sendRingId: number;
  #closing: Promise<void> | undefined;

  readonly #maxPacketLength: number;

  private constructor(
    session: WorkerSteeredSession,
    options: ResolvedPortWorkersOptions,
    maxPacketLength: number,
  ) {
    this.#maxPacketLength = maxPacketLength;
    this.#session = session;
    this.#pool = session.pool;
    this.#options = options;
    this.#threads = new Array(options.count).fill(undefined);
    this.#counters = Array.from({ length: options.count }, () => ({
      restarts: 0,
      handedOff: 0,
      queueFull: 0,
      lost: 0,
      before: new Float64Array(WORKER_COUNTER_COUNT),
    }));
    this.#restartTimes = Array.from({ length: options.count }, () => []);
    this.#lentTo = new Uint8Array(this.#pool.slotCount);
    this.#sendRingId = session.shareSendRing();
  }

  /**
   * Starts the workers and steers the session's flows to them, at once: call it before the session
   * can deliver a batch, so that every packet goes to the worker of its flow. Packets wait in the
   * workers' queues until their receivers are built (`ready()`). `maxPacketLength` caps each
   * worker's transmitter as the port's is capped (the adapter's MTU for TAP).
   */
  static start(
    session: WorkerSteeredSession,
    options: ResolvedPortWorkersOptions,
    maxPacketLength = 0xffff,
  ): PortWorkers {
    // The port checked before it opened anything that its pool is shared (`shared: true`).
    const workers = new PortWorkers(session, options, maxPacketLength);
    for (let index = 0; index < options.count; index++) workers.#spawn(index);
    session.steerFlows(randomBytes(16), options.count);
    session.setReceiveHandler((packets, count, flowWorkers) =>
      workers.onBatch(packets, count, flowWorkers),
    );
    void workers.#serveReturns();
    return workers;
  }

  /**
   * Resolves once every worker's receiver is built. Rejects with `PortError`
   * `WORKER_START_FAILED` when one cannot be (the caller then closes the port).
   */
  async ready(): Promise<void> {
    for (const [index, thread] of this.#threads.entries()) {
      if (thread === undefined) continue;
      await thread.ready.catch((error: unknown) => {
        throw new PortError(
          "WORKER_START_FAILED",
          `worker ${index} could not start: ${messageOf(error)}`,
          {
            hint: "check that receiverModule exports packetReceiverFactory and that it runs in a worker",
            cause: error,
          },
        );
      });
    }
  }

  /** Where the workers' errors and deaths go (the port's "error" event). */
  reportErrorsTo(onError: (error: unknown) => void): void {
    this.#onError = onError;
  }

  /**
   * The session's batch handler: hands each packet to the worker of its flow. One pass over the
   * batch, nothing allocated, nothing copied; each worker's queue is published once.
   */
  onBatch(
    packets: readonly PooledPacket[],
    count: number,
    flowWorkers: Int32Array | undefined,
  ): void {
    this.#takeReturns();
    const threads = this.#threads;
    for (let i = 0; i < count; i++) {
      const packet = packets[i] as PooledPacket;
      const index = flowWorkers === undefined ? 0 : (flowWorkers[i] as number);
      const thread = threads[index];
      const counters = this.#counters[index] as PortSideCounters;
      if (thread !== undefined && !thread.exited && thread.handOff.push(packet.id, packet.length)) {
        this.#lentTo[packet.id] = index + 1;
        counters.handedOff++;
      } else {
        counters.queueFull++;
        packet.dispose();
      }
    }
    for (const thread of threads) thread?.handOff.publish();
  }

  get stats(): readonly PortWorkerStatistics[] {
    return this.#counters.map((counters, index) => {
      const thread = this.#threads[index];
      const field = (name: keyof typeof WorkerCounter): number =>
        (counters.before[WorkerCounter[name]] as number) +
        (thread === undefined ? 0 : (thread.counters[WorkerCounter[name]] as number));
      return {
        index,
        running: thread?.isReady === true && !thread.exited,
        restarts: counters.restarts,
        handedOff: counters.handedOff,
        queueFull: counters.queueFull,
        lost: counters.lost,
        consumed: field("consumed"),
        declined: field("declined"),
        receiverErrors: field("receiverErrors"),
        txPackets: field("txPackets"),
        txBytes: field("txBytes"),
        txRefused: field("txRefused"),
        txSessionEnded: field("txSessionEnded"),
        txPoolExhausted: field("txPoolExhausted"),
        txLargePoolExhausted: field("txLargePoolExhausted"),
      };
    });
  }

  /** @internal Tests: ends worker `index`'s thread as a crash would. */
  terminateWorker(index: number): Promise<number> {
    const thread = this.#threads[index];
    if (thread === undefined) return Promise.resolve(0);
    return thread.terminate();
  }

  /**
   * Stops every worker (each finishes the batch in hand) and takes back every slot they held.
   * Call after the session stopped delivering. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.#threads.map((thread) => thread?.stop(STOP_GRACE_MS)));
      for (let index = 0; index < this.#threads.length; index++) this.#reclaim(index, false);
      Atomics.add(this.#doorbell, DOORBELL_RINGS, 1);
      Atomics.notify(this.#doorbell, DOORBELL_RINGS);
    })();
    return this.#closing;
  }

  #spawn(index: number): void {
    const thread = new PortWorkerThread(
      {
        index,
        receiverModule: this.#options.receiverModule,
        sendRingId: this.#sendRingId,
        portSlabs: this.#pool.slabs as SharedArrayBuffer[],
        portSlotTable: slotTableOf(this.#pool),
        portSlotCount: this.#pool.slotCount,
        queueDepth: this.#options.queueDepth,
        maxPacketLength: this.#maxPacketLength,
        doorbell: this.#doorbellBuffer,
        sendPool: this.#options.sendPool ?? {
          slotSize: this.#pool.slotSize,
          slabCount: 1,
          slotsPerSlab: 1024,
          largeSlotCount: 4,
        },
      },
      {
        onError: (error) =>
          this.#onError(
            new PortError("WORKER_FAILED", `worker ${index}: ${messageOf(error)}`, {
              cause: error,
            }),
          ),
        onExit: (code) => this.#exited(index, thread, code),
      },
    );
    this.#threads[index] = thread;
  }

  #exited(index: number, thread: PortWorkerThread, code: number): void {
    if (this.#closing !== undefined || this.#threads[index] !== thread) return;
    const wasReady = thread.isReady;
    this.#reclaim(index, true);
    const counters = this.#counters[index] as PortSideCounters;
    for (let field = 0; field < counters.before.length; field++) {
      counters.before[field] =
        (counters.before[field] as number) + (thread.counters[field] as number);
    }
    const now = Date.now();
    const recent = (this.#restartTimes[index] as number[]).filter(
      (at) => now - at < RESTART_WINDOW_MS,
    );
    const restart = wasReady && recent.length < MAX_RESTARTS;
    this.#onError(
      new PortError(
        "WORKER_DIED",
        `worker ${index} exited with code ${code}; the packets it held are counted as lost` +
          (restart ? ", and it is restarted (its flows' state is gone)" : ", and it stays stopped"),
        {
          hint: restart
            ? "its receiver threw outside the pump, or the thread was terminated"
            : `it died ${MAX_RESTARTS} times within ${RESTART_WINDOW_MS / 1000} s, or before it was ready: its flows' packets are dropped (queueFull)`,
        },
      ),
    );
    if (!restart) {
      this.#threads[index] = undefined;
      return;
    }
    recent.push(now);
    this.#restartTimes[index] = recent;
    counters.restarts++;
    this.#spawn(index);
  }

  // Takes back every slot lent to worker `index` (its thread is gone): those it returned, and
  // those it held or had still queued, which count as lost when it died.
  #reclaim(index: number, died: boolean): void {
    const thread = this.#threads[index];
    if (thread !== undefined) this.#takeReturnsOf(thread, index);
    const lentTo = this.#lentTo;
    let lost = 0;
    for (let id = 0; id < lentTo.length; id++) {
      if (lentTo[id] !== index + 1) continue;
      lentTo[id] = 0;
      this.#pool.slot(id).dispose();
      lost++;
    }
    if (died) (this.#counters[index] as PortSideCounters).lost += lost;
  }

  #takeReturns(): void {
    const threads = this.#threads;
    for (let index = 0; index < threads.length; index++) {
      const thread = threads[index];
      if (thread !== undefined) this.#takeReturnsOf(thread, index);
    }
  }

  #takeReturnsOf(thread: PortWorkerThread, index: number): void {
    const returns = thread.returns;
    const available = returns.available;
    if (available === 0) return;
    const lentTo = this.#lentTo;
    for (let i = 0; i < available; i++) {
      const id = returns.peek(i, 0);
      // A slot a dead worker still returned after it was reclaimed is not given back twice.
      if (lentTo[id] !== index + 1) continue;
      lentTo[id] = 0;
      this.#pool.slot(id).dispose();
    }
    returns.take(available);
  }

  #returnsWaiting(): boolean {
    for (const thread of this.#threads)
      if (thread !== undefined && thread.returns.available > 0) return true;
    return false;
  }

  // Slots come back between batches too (a receiver disposes later; traffic stops): while no batch
  // comes, the port sleeps on the doorbell that workers ring after returning slots. Once woken it
  // lets RETURNS_COALESCE_MS pass before it sleeps again, so under load returns cost the port at
  // most one wake-up per interval, not one per batch of every worker (each batch drains them too).
  async #serveReturns(): Promise<void> {
    const doorbell = this.#doorbell;
    while (this.#closing === undefined && !this.#session.isClosed) {
      this.#takeReturns();
      Atomics.store(doorbell, DOORBELL_SLEEPING, 1);
      const rings = Atomics.load(doorbell, DOORBELL_RINGS);
      if (!this.#returnsWaiting()) {
        const wait = Atomics.waitAsync(doorbell, DOORBELL_RINGS, rings);
        if (wait.async) await wait.value;
      }
      Atomics.store(doorbell, DOORBELL_SLEEPING, 0);
      await sleep(RETURNS_COALESCE_MS);
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
