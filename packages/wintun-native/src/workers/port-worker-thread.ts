import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { PacketMemoryPoolOptions } from "@magma/memory-pool";
import type { SharedSlotQueueMemory } from "../session/wintun-session.js";
import { SharedSlotQueue } from "./shared-slot-queue.js";
import {
  type PortMessage,
  type PortWorkerData,
  type PortWorkerMessage,
  WORKER_COUNTER_COUNT,
  workerErrorFrom,
} from "./worker-channel.js";

/** What one port worker thread shares with the port, beside its own fixed inputs. */
export interface PortWorkerThreadInputs {
  readonly index: number;
  readonly receiverModule: string;
  readonly sendRingId: number;
  readonly steeringId: number;
  readonly portSlabs: readonly SharedArrayBuffer[];
  readonly portSlotTable: Int32Array;
  readonly portSlotCount: number;
  readonly queueDepth: number;
  readonly sendPool: PacketMemoryPoolOptions;
  readonly maxPacketLength: number;
}

export interface PortWorkerThreadEvents {
  /** The worker's receiver threw, or the worker failed; it goes on. */
  onError(error: unknown): void;
  /** The thread is gone (`code` 0 after the port closed its queue). */
  onExit(code: number): void;
}

/**
 * One worker thread of a port and the shared memory of its queues: the hand-off queue (the
 * session's receive thread → worker), the returns queue (worker → receive thread) and the worker's
 * counters. A restarted worker is a new `PortWorkerThread` with new queues, so nothing the dead
 * one left behind can be read twice.
 */
export class PortWorkerThread {
  readonly index: number;
  /** The queues' memory, for the session's steering. */
  readonly queues: {
    readonly handOff: SharedSlotQueueMemory;
    readonly returns: SharedSlotQueueMemory;
  };
  readonly counters: Float64Array;
  /** Resolves when the receiver is built; rejects with why it could not be. */
  readonly ready: Promise<void>;
  readonly #handOff: SharedSlotQueue;
  #isReady = false;
  #exited = false;
  readonly #worker: Worker;
  readonly #exit: Promise<number>;

  constructor(inputs: PortWorkerThreadInputs, events: PortWorkerThreadEvents) {
    this.index = inputs.index;
    const handOffBuffer = new SharedArrayBuffer(SharedSlotQueue.byteLength(inputs.queueDepth, 2));
    // Room for every slot of the port's pool: a slot is lent to one worker at a time.
    const returnsBuffer = new SharedArrayBuffer(
      SharedSlotQueue.byteLength(inputs.portSlotCount, 1),
    );
    const countersBuffer = new SharedArrayBuffer(WORKER_COUNTER_COUNT * 8);
    this.#handOff = new SharedSlotQueue(handOffBuffer, inputs.queueDepth, 2);
    this.queues = {
      handOff: { buffer: handOffBuffer, capacity: this.#handOff.capacity },
      returns: {
        buffer: returnsBuffer,
        capacity: SharedSlotQueue.capacityFor(inputs.portSlotCount),
      },
    };
    this.counters = new Float64Array(countersBuffer);
    const workerData: PortWorkerData = {
      index: inputs.index,
      receiverModule: inputs.receiverModule,
      sendRingId: inputs.sendRingId,
      steeringId: inputs.steeringId,
      portSlabs: inputs.portSlabs,
      portSlotTable: inputs.portSlotTable,
      handOff: handOffBuffer,
      handOffCapacity: inputs.queueDepth,
      returns: returnsBuffer,
      returnsCapacity: inputs.portSlotCount,
      counters: countersBuffer,
      sendPool: inputs.sendPool,
      maxPacketLength: inputs.maxPacketLength,
    };
    this.#worker = new Worker(workerScript(), {
      workerData,
      name: `magma-port-worker-${inputs.index}`,
    });
    let settle: { resolve(): void; reject(error: unknown): void } | undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      settle = { resolve, reject };
    });
    // Nobody may await it (a restarted worker): its failure is reported through onExit instead.
    this.ready.catch(() => {});
    this.#worker.on("message", (message: PortWorkerMessage) => {
      if (message.kind === "ready") {
        this.#isReady = true;
        settle?.resolve();
      } else if (message.kind === "start-failed") {
        settle?.reject(workerErrorFrom(message.error));
      } else {
        events.onError(workerErrorFrom(message.error));
      }
    });
    this.#worker.on("error", (error) => {
      if (!this.#isReady) settle?.reject(error);
      else events.onError(error);
    });
    this.#exit = new Promise<number>((resolve) => {
      this.#worker.once("exit", (code) => {
        this.#exited = true;
        settle?.reject(new Error(`the worker thread exited with code ${code} before it was ready`));
        resolve(code);
        events.onExit(code);
      });
    });
  }

  get isReady(): boolean {
    return this.#isReady;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /**
   * Closes its queue, so the worker ends after the batch in hand, and resolves once the thread is
   * gone; a worker that does not end within `graceMs` is terminated.
   */
  async stop(graceMs: number): Promise<void> {
    this.#handOff.close();
    if (this.#exited) return;
    const stop: PortMessage = { kind: "stop" };
    this.#worker.postMessage(stop);
    const timer = setTimeout(() => void this.#worker.terminate(), graceMs);
    try {
      await this.#exit;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends the thread at once, as a crash would (tests, and a worker that does not stop). */
  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

// The worker's program is its own bundle beside the package's (dist/port-worker.cjs). Run from the
// sources (the package's tests), this module is src/workers/, and the bundle is in dist.
function workerScript(): string {
  const bundled = fileURLToPath(new URL("./port-worker.cjs", import.meta.url));
  if (existsSync(bundled)) return bundled;
  return fileURLToPath(new URL("../../dist/port-worker.cjs", import.meta.url));
}
