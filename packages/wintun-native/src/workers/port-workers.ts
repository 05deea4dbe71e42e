import { randomBytes } from "node:crypto";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import type { PacketMemoryPool, PacketMemoryPoolOptions } from "@magma/memory-pool";
import { checkOptionNames, integerOption, OptionError } from "@magma/transport";
import { PortError } from "../port/port-error.js";
import { slotTableOf } from "../session/slot-table.js";
import type { SharedSlotQueueMemory } from "../session/wintun-session.js";
import { PortWorkerThread } from "./port-worker-thread.js";
import { WORKER_COUNTER_COUNT, WorkerCounter } from "./worker-channel.js";

/**
 * What the workers need of a port's session, whichever backend runs it: its pool (shared), its
 * send ring opened to other threads, and its receive thread's steering of packets to them.
 */
export interface WorkerSteeredSession {
  readonly pool: PacketMemoryPool;
  readonly isClosed: boolean;
  shareSendRing(): number;
  steerToWorkers(key: Uint8Array, workers: number): number;
  startSteering(): void;
  setWorkerQueues(
    worker: number,
    queues: { handOff: SharedSlotQueueMemory; returns: SharedSlotQueueMemory } | undefined,
    countLost: boolean,
  ): number;
  readSteeringStatistics(out: Float64Array): number;
  reclaimWorkerSlots(): void;
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
  /** What earlier (dead) threads of this worker did, so the counts survive a restart. */
  before: Float64Array;
}

/** Fields per worker of the session's steering statistics (readSteeringStatistics). */
const STEERING_FIELDS = 3;

const WHERE = "WinTunPort.create";
const MAX_WORKERS = 64;
/** How long close() lets a worker finish the batch in hand before it terminates it. */
const STOP_GRACE_MS = 2000;
/** Restarts of one worker within RESTART_WINDOW_MS before it is left stopped. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 10_000;

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
 * A port's worker threads: their queues, counters, and restart when one dies.
 *
 * The session's receive thread hands each packet to the worker that owns its flow, straight into
 * that worker's queue, and wakes the worker when it sleeps; the worker gives the slot back to the
 * receive thread through another queue when its receiver disposes the packet. This thread is not
 * on the way of any packet. Received packets stay where the receive thread put them, in the port's
 * pool (on `SharedArrayBuffer`s). Workers send from pools of their own straight into the session's
 * send ring.
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
  readonly #steering: Float64Array;
  readonly #sendRingId: number;
  readonly #steeringId: number;
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
      before: new Float64Array(WORKER_COUNTER_COUNT),
    }));
    this.#restartTimes = Array.from({ length: options.count }, () => []);
    this.#steering = new Float64Array(options.count * STEERING_FIELDS);
    this.#sendRingId = session.shareSendRing();
    this.#steeringId = session.steerToWorkers(randomBytes(16), options.count);
  }

  /**
   * Starts the workers and steers the session's flows to them, at once: call it right after the
   * session started (a batch it delivered before goes to the workers too). Packets wait in the
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
    try {
      for (let index = 0; index < options.count; index++) workers.#spawn(index, false);
    } catch (error) {
      // A thread could not be made (no memory, no thread left). The ones already running would end
      // only once the caller closed the session, each reported as a worker that died.
      workers.#terminateStarted();
      throw error;
    }
    session.startSteering();
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

  get stats(): readonly PortWorkerStatistics[] {
    const steering = this.#steering;
    this.#session.readSteeringStatistics(steering);
    return this.#counters.map((counters, index) => {
      const thread = this.#threads[index];
      const field = (name: keyof typeof WorkerCounter): number =>
        (counters.before[WorkerCounter[name]] as number) +
        (thread === undefined ? 0 : (thread.counters[WorkerCounter[name]] as number));
      return {
        index,
        running: thread?.isReady === true && !thread.exited,
        restarts: counters.restarts,
        handedOff: steering[index * STEERING_FIELDS] as number,
        queueFull: steering[index * STEERING_FIELDS + 1] as number,
        lost: steering[index * STEERING_FIELDS + 2] as number,
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
   * Stops every worker (each finishes what its queue holds) and takes back every slot they held.
   * Call after the session closed. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.#threads.map((thread) => thread?.stop(STOP_GRACE_MS)));
      this.#session.reclaimWorkerSlots();
    })();
    return this.#closing;
  }

  // Ends the threads started so far at once, none restarted; close() then waits for them.
  #terminateStarted(): void {
    this.#closing = Promise.all(this.#threads.map((thread) => thread?.terminate())).then(
      () => undefined,
    );
  }

  // Starts worker `index`'s thread with new queues and gives them to the session, which takes back
  // what the previous thread held (lost, after a death).
  #spawn(index: number, afterDeath: boolean): void {
    const thread = new PortWorkerThread(
      {
        index,
        receiverModule: this.#options.receiverModule,
        sendRingId: this.#sendRingId,
        steeringId: this.#steeringId,
        portSlabs: this.#pool.slabs as SharedArrayBuffer[],
        portSlotTable: slotTableOf(this.#pool),
        portSlotCount: this.#pool.slotCount,
        queueDepth: this.#options.queueDepth,
        maxPacketLength: this.#maxPacketLength,
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
    if (!this.#session.isClosed) this.#session.setWorkerQueues(index, thread.queues, afterDeath);
  }

  #exited(index: number, thread: PortWorkerThread, code: number): void {
    if (this.#closing !== undefined || this.#threads[index] !== thread) return;
    const wasReady = thread.isReady;
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
      if (!this.#session.isClosed) this.#session.setWorkerQueues(index, undefined, true);
      return;
    }
    recent.push(now);
    this.#restartTimes[index] = recent;
    counters.restarts++;
    this.#spawn(index, true);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
