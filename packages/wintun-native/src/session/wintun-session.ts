import { EventEmitter } from "node:events";
import type { PacketMemoryPool, PooledPacket } from "@magma/memory-pool";
import { checkOptionNames, functionOption, integerOption, OptionError } from "@magma/transport";
import { type NativeSession, type NativeSessionSource, SessionMessage } from "../native-addon.js";
import { Win32Error, win32ErrorName } from "../win32-error-names.js";
import { translateNativeError, WinTunError } from "../wintun-error.js";
import { PacketQueue } from "./packet-queue.js";
import { resolveSessionOptions, type WinTunSessionOptions } from "./session-options.js";
import {
  RING_PACKETS_FIELD,
  STATISTICS_FIELD_COUNT,
  statisticsFrom,
  type WinTunSessionStatistics,
} from "./session-statistics.js";
import { slotTableOf, writeSlotPairs } from "./slot-table.js";

export type { WinTunSessionOptions } from "./session-options.js";

export type WinTunSessionEndReason = "closed" | "adapter-removed" | "failed";

/** Why a session ended: closed by us, its adapter gone (ERROR_HANDLE_EOF), or a fatal ring error. */
export interface WinTunSessionEnd {
  readonly reason: WinTunSessionEndReason;
  /** For "adapter-removed" and "failed": the error the ring reported. */
  readonly error?: WinTunError;
}

/** @internal A SharedSlotQueue's memory (src/workers/shared-slot-queue.ts) and its capacity. */
export interface SharedSlotQueueMemory {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
}

/** Receives each batch synchronously; it owns every packet and must dispose each one. */
export type WinTunBatchHandler = (packets: readonly PooledPacket[], count: number) => void;

interface Waiter {
  readonly max: number;
  resolve(packets: PooledPacket[]): void;
  reject(error: unknown): void;
}

/** Anything the session needs from its adapter (a wintun adapter, or a TAP device's). */
export interface SessionOwner {
  readonly native: NativeSessionSource;
  sessionEnded(session: WinTunSession): void;
}

/**
 * How many packets the driver has put in its adapter's receive rings so far (the interface's out
 * counters: wintun.sys's OutUcastPkts + OutNUcastPkts; on Linux the kernel's tx count less the
 * emulated driver's ring-full discards), or undefined when the adapter cannot say (it is gone, or
 * it is a TAP device, whose reads the driver does not count apart from its own queue's).
 */
function driverRingPackets(source: NativeSessionSource): number | undefined {
  if (source.interfaceStatistics === undefined) return undefined;
  try {
    return source.interfaceStatistics().txPackets;
  } catch {
    return undefined;
  }
}

/** A batch to send: an array, and a count from 0 to its length. Allocates nothing unless it throws. */
function checkBatch(where: string, packets: readonly unknown[], count: number): void {
  if (!Array.isArray(packets)) {
    throw new OptionError("INVALID_OPTION", where, "packets", packets, "an array of packets");
  }
  if (!(Number.isInteger(count) && count >= 0 && count <= packets.length)) {
    integerOption(where, "count", count, 0, 0, packets.length);
  }
}

/**
 * A running wintun session: a ring pair with one native receive thread. Received packets arrive in
 * batches as `PooledPacket`s (the thread copied each into a pool slot and released the ring packet
 * already), through `setReceiveHandler`, `receive()` or `for await (const batch of session)`.
 * Sending copies packets into the send ring in one native call per batch. `close()` is idempotent
 * and safe while packets flow; packets already handed out stay valid (they live in the pool).
 */
export class WinTunSession extends EventEmitter<{ end: [WinTunSessionEnd]; error: [unknown] }> {
  readonly capacity: number;
  readonly pool: PacketMemoryPool;
  /** Resolves once, when the session has ended, with why. */
  readonly ended: Promise<WinTunSessionEnd>;

  readonly #owner: SessionOwner;
  readonly #native: NativeSession;
  readonly #deliveries: Int32Array;
  readonly #stride: number;
  readonly #refill: Int32Array;
  readonly #rentScratch: PooledPacket[];
  readonly #batch: PooledPacket[];
  readonly #targetSmall: number;
  readonly #targetLarge: number;
  readonly #statistics = new Float64Array(STATISTICS_FIELD_COUNT);
  readonly #queue = new PacketQueue();
  readonly #waiters: Waiter[] = [];
  #heldSmall = 0;
  #heldLarge = 0;
  #refillRetry: NodeJS.Timeout | undefined;
  #handler: WinTunBatchHandler | undefined;
  #sendPairs = new Int32Array(256);
  /** Whether the receive thread hands packets to workers (`steerToWorkers`). */
  #steered = false;
  #end: WinTunSessionEnd | undefined;
  #deliveringBatch = -1;
  /** The driver's count of packets it put in receive rings (the interface's), before this session. */
  readonly #ringPacketsAtStart: number | undefined;
  #leftInRingAtEnd = 0;
  readonly #inlineReceiveMicroseconds: number;
  #resolveEnded: (end: WinTunSessionEnd) => void = () => {};
  readonly #goOnReceiving = (): void => this.#native.goOnReceiving();

  /** @internal Use `adapter.startSession()`. */
  constructor(owner: SessionOwner, options: WinTunSessionOptions = {}) {
    super();
    const resolved = resolveSessionOptions("adapter.startSession", options);
    const { pool, maxBatch, batchesInFlight, spinMicroseconds } = resolved;
    this.capacity = resolved.capacity;
    this.pool = pool;
    this.#inlineReceiveMicroseconds = resolved.inlineReceiveMicroseconds;
    this.#targetSmall = resolved.receiveSlots;
    this.#targetLarge = resolved.receiveLargeSlots;
    this.#stride = 1 + 2 * maxBatch;
    this.#deliveries = new Int32Array(batchesInFlight * this.#stride);
    this.#refill = new Int32Array(this.#targetSmall + this.#targetLarge);
    this.#rentScratch = new Array<PooledPacket>(this.#targetSmall);
    this.#batch = new Array<PooledPacket>(maxBatch);
    this.#owner = owner;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    this.#ringPacketsAtStart = driverRingPackets(owner.native);
    try {
      this.#native = owner.native.startSession(
        this.capacity,
        // Node-API cannot name a SharedArrayBuffer, but it can name a Uint8Array over one.
        pool.slabs.map((slab) => (slab instanceof ArrayBuffer ? slab : new Uint8Array(slab))),
        slotTableOf(pool),
        this.#deliveries,
        this.#refill,
        { maxBatch, batchBuffers: batchesInFlight, spinMicroseconds, smallSlotSize: pool.slotSize },
        (kind, value) => this.#onNativeMessage(kind, value),
      );
    } catch (error) {
      throw translateNativeError(error);
    }
    const provided = this.#writeRefill();
    if (provided > 0) this.#native.provideSlots(provided);
  }

  /** Counters since the session started; drops are counted by cause, never thrown. */
  get stats(): WinTunSessionStatistics {
    this.#native.readStatistics(this.#statistics);
    const stats = statisticsFrom(this.#statistics);
    if (this.#leftInRingAtEnd === 0) return stats;
    const leftInRing = stats.drops.leftInRing + this.#leftInRingAtEnd;
    return { ...stats, drops: { ...stats.drops, leftInRing } };
  }

  get isClosed(): boolean {
    return this.#end !== undefined;
  }

  /**
   * Delivers every batch to `handler`, synchronously on the JavaScript thread, with one call per
   * batch. `packets` is reused between calls: take what you need from it before returning. The
   * handler owns each packet and must dispose it. Packets queued for `receive()` go to it first.
   * `undefined` switches back to queueing.
   */
  setReceiveHandler(handler: WinTunBatchHandler | undefined): void {
    functionOption("session.setReceiveHandler", "handler", handler, false);
    this.#handler = handler;
    // Only a handler consumes batches synchronously; queued batches wait for promise callbacks,
    // which run once the event loop has them, so receiving on in JavaScript would only pile up.
    if (this.#end === undefined) {
      this.#native.setInlineReceiveBudget(
        handler === undefined ? 0 : this.#inlineReceiveMicroseconds,
      );
    }
    if (handler === undefined || this.#queue.size === 0) return;
    const queued = this.#queue.take(this.#queue.size);
    handler(queued, queued.length);
  }

  /**
   * The next batch of received packets (at least one, at most `maxPackets`); the caller owns and
   * must dispose each. Rejects with the signal's reason when aborted, and with a WinTunError once
   * the session has ended and every packet received before has been taken.
   */
  receive(options: { signal?: AbortSignal; maxPackets?: number } = {}): Promise<PooledPacket[]> {
    try {
      checkOptionNames("session.receive", options, ["signal", "maxPackets"]);
      if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
        throw new OptionError(
          "INVALID_OPTION",
          "session.receive",
          "signal",
          options.signal,
          "an AbortSignal",
        );
      }
      const maxPackets = options.maxPackets;
      if (maxPackets !== undefined && maxPackets !== Number.POSITIVE_INFINITY) {
        integerOption("session.receive", "maxPackets", maxPackets, 1, 1, Number.MAX_SAFE_INTEGER);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal } = options;
    const max = options.maxPackets ?? Number.POSITIVE_INFINITY;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.size > 0) return Promise.resolve(this.#queue.take(max));
    if (this.#end !== undefined) return Promise.reject(this.#endError(this.#end));
    return new Promise<PooledPacket[]>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        max,
        resolve: (packets) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(packets);
        },
        reject: (error) => {
          signal?.removeEventListener("abort", onAbort);
          reject(error);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /**
   * Batches as they arrive, until the session is closed or its adapter removed (the loop then
   * ends); a fatal ring error is thrown. Cancel with `signal`.
   */
  async *batches(
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<PooledPacket[], void, undefined> {
    for (;;) {
      let packets: PooledPacket[];
      try {
        packets = await this.receive(options);
      } catch (error) {
        if (this.#end !== undefined && this.#end.reason !== "failed" && this.#queue.size === 0)
          return;
        throw error;
      }
      yield packets;
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<PooledPacket[], void, undefined> {
    return this.batches();
  }

  /**
   * Copies `count` packets (each a whole Uint8Array) into the send ring in order, in one native
   * call. Returns how many were sent; the rest are counted as drops by cause (a full ring stops the
   * batch, so later packets never overtake earlier ones). Never throws for a full ring; an element
   * that is not a Uint8Array is counted as an invalid packet. `count` (default all) must be an
   * integer from 0 to `packets.length`, or `OptionError` is thrown.
   */
  send(packets: readonly Uint8Array[], count: number = packets?.length): number {
    checkBatch("session.send", packets, count);
    return this.#native.sendBuffers(packets, count);
  }

  /**
   * Sends the first `count` pooled packets (`memory[0 .. length)` of each, which must come from
   * this session's pool) in one native call. The caller keeps ownership of the packets and disposes
   * them as it likes. Returns how many were sent, as `send()` does; `count` as for `send()`.
   */
  sendPooled(packets: readonly PooledPacket[], count: number = packets?.length): number {
    checkBatch("session.sendPooled", packets, count);
    this.#sendPairs = writeSlotPairs(packets, count, this.pool, this.#sendPairs);
    return this.#native.sendSlots(this.#sendPairs, count);
  }

  /**
   * @internal For a port's workers: makes the session's worker steering (flows keyed by `key`,
   * 16 random bytes) and returns the id each worker's `NativeSteeredWorker` takes. Give each
   * worker its queues (`setWorkerQueues`), then `startSteering()`.
   */
  steerToWorkers(key: Uint8Array, workers: number): number {
    return this.#native.steerToWorkers(key, workers);
  }

  /**
   * @internal From now on the receive thread hands each packet to the worker that owns its flow,
   * straight into its queue, and no batch comes to this thread (one already on its way is steered
   * the same way when it arrives). The slots it received into stay the session's, held by the
   * thread, as they go round between the thread and the workers.
   */
  startSteering(): void {
    this.#native.startSteering();
    this.#steered = true;
  }

  /**
   * @internal Worker `worker`'s hand-off queue (slot id, length) and returns queue (slot id),
   * SharedSlotQueues in `SharedArrayBuffer`s, or undefined for none (its flows' packets are then
   * dropped as its queue-full). Takes back every slot the previous queues' worker held and
   * returns how many: lost packets when that worker died (`countLost`).
   */
  setWorkerQueues(
    worker: number,
    queues: { handOff: SharedSlotQueueMemory; returns: SharedSlotQueueMemory } | undefined,
    countLost: boolean,
  ): number {
    return this.#native.setWorkerQueues(
      worker,
      queues === undefined ? null : new Uint8Array(queues.handOff.buffer),
      queues?.handOff.capacity ?? 0,
      queues === undefined ? null : new Uint8Array(queues.returns.buffer),
      queues?.returns.capacity ?? 0,
      countLost,
    );
  }

  /** @internal Per worker: packets handed to it, dropped as its queue was full, lost when it died. */
  readSteeringStatistics(out: Float64Array): number {
    return this.#native.readSteeringStatistics(out);
  }

  /**
   * @internal Once closed and the workers have stopped: returns the slots still at the workers
   * to the pool. Idempotent.
   */
  reclaimWorkerSlots(): void {
    if (!this.#steered) return;
    const slots = new Int32Array(this.pool.slotCount);
    const count = this.#native.reclaimWorkerSlots(slots);
    for (let i = 0; i < count; i++) this.pool.slot(slots[i] as number).dispose();
  }

  /**
   * @internal For a port's workers: opens the send ring to other threads of this process and
   * returns its id for their `NativeSessionSender`. Closing the session closes it for them too.
   */
  shareSendRing(): number {
    return this.#native.shareSendRing();
  }

  /**
   * Makes the session keep the process alive again. An open session does by default, as an open
   * socket does: a program that never calls `close()` never ends on its own.
   */
  ref(): this {
    this.#native.ref();
    return this;
  }

  /**
   * Lets the process end while the session is open, once nothing else keeps the event loop alive.
   * The session then goes with the process: packets still in the receive ring, or received but
   * not yet handed to JavaScript, are never delivered, and nothing can count them; packets already
   * sent are in the ring and reach the adapter only if the driver takes them before the process
   * is gone. Call `close()` for an orderly end. Safe under load, from a worker thread too.
   */
  unref(): this {
    this.#native.unref();
    return this;
  }

  /**
   * Ends the session in the contract's order (stop flag, wake the thread, join it, end the
   * session) and returns every slot it held to the pool. Idempotent.
   */
  close(): void {
    if (this.#end !== undefined) return;
    this.#finish({ reason: "closed" });
  }

  #finish(end: WinTunSessionEnd): void {
    this.#end = end;
    this.#native.close();
    if (this.#refillRetry !== undefined) clearTimeout(this.#refillRetry);
    const held = new Int32Array(this.#heldSmall + this.#heldLarge);
    const count = this.#native.takeHeldSlots(held);
    for (let i = 0; i < count; i++) this.pool.slot(held[i] as number).dispose();
    this.#heldSmall = 0;
    this.#heldLarge = 0;
    if (end.reason === "closed") {
      // Nobody will read them now: neither what is queued nor the batches whose delivery is still
      // on its way (the thread has stopped; their calls come later and are then ignored).
      for (const packet of this.#queue.take(this.#queue.size)) packet.dispose();
      const inFlight = new Int32Array(this.#deliveries.length / this.#stride);
      const batches = this.#native.takeInFlightBatches(inFlight);
      for (let b = 0; b < batches; b++) {
        // The batch being delivered right now (close() called from the handler) is the handler's.
        if (inFlight[b] === this.#deliveringBatch) continue;
        const base = (inFlight[b] as number) * this.#stride;
        const packets = this.#deliveries[base] ?? 0;
        for (let i = 0; i < packets; i++) {
          this.pool.slot(this.#deliveries[base + 1 + 2 * i] ?? 0).dispose();
        }
      }
    }
    const error = this.#endError(end);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    this.#owner.sessionEnded(this);
    this.#resolveEnded(end);
    // A fatal ring error is news for whoever handles errors, not only for who awaits the end.
    if (end.reason === "failed") this.#reportError(error);
    this.emit("end", end);
  }

  #endError(end: WinTunSessionEnd): WinTunError {
    return (
      end.error ??
      new WinTunError(Win32Error.HANDLE_EOF, "WintunReceivePacket", "the session is closed", {
        hint: "start a new session with adapter.startSession()",
      })
    );
  }

  #onNativeMessage(kind: SessionMessage, value: number): number {
    if (kind === SessionMessage.Batch) return this.#onBatch(value);
    if (kind === SessionMessage.NeedSlots) return this.#end === undefined ? this.#writeRefill() : 0;
    if (kind === SessionMessage.GoOnLater) {
      // This thread holds the ring and has received for its budget: let timers and I/O run first.
      setImmediate(this.#goOnReceiving);
      return 0;
    }
    if (this.#end !== undefined) return 0;
    if (kind === SessionMessage.SendRingEnded) {
      this.#finish({
        reason: "failed",
        error: new WinTunError(
          value,
          "WintunAllocateSendPacket",
          `the driver stopped taking packets from the send ring (WintunAllocateSendPacket failed with ${win32ErrorName(value)} (${value}) while the receive ring went on)`,
          {
            hint: "the driver found the send ring corrupt, which a packet above 65535 bytes or a corrupted ring causes: start a new session",
          },
        ),
      });
      return 0;
    }
    this.#countLeftInRing();
    this.#finish({
      reason: value === Win32Error.HANDLE_EOF ? "adapter-removed" : "failed",
      error: WinTunError.fromCode(value, "WintunReceivePacket"),
    });
    return 0;
  }

  // The driver ended the session with the ring unreadable (ERROR_HANDLE_EOF: it wrote Tail =
  // 0xFFFFFFFF; ERROR_INVALID_DATA: nothing past the bad packet can be read), so what it had put
  // there and nobody took is lost. The API cannot see it; the driver's own count of packets it put
  // in the ring (the interface's out counters) can, as long as the adapter still exists.
  #countLeftInRing(): void {
    const atEnd = driverRingPackets(this.#owner.native);
    if (this.#ringPacketsAtStart === undefined || atEnd === undefined) return;
    this.#native.readStatistics(this.#statistics);
    const taken = this.#statistics[RING_PACKETS_FIELD] ?? 0;
    this.#leftInRingAtEnd = Math.max(0, atEnd - this.#ringPacketsAtStart - taken);
  }

  // Runs once per batch: turns (slot id, length) descriptors into the pool's own owner objects.
  // No allocation per packet.
  #onBatch(index: number): number {
    // Closed by us: #finish already took this batch's slots back.
    if (this.#end?.reason === "closed") return 0;
    // Published before the steering began: its packets go to their workers as every later one,
    // and their slots stay the thread's.
    if (this.#steered) {
      this.#native.steerBatch(index);
      return 0;
    }
    const deliveries = this.#deliveries;
    const base = index * this.#stride;
    const count = deliveries[base] ?? 0;
    const packets = this.#batch;
    const smallSize = this.pool.slotSize;
    for (let i = 0; i < count; i++) {
      const packet = this.pool.slot(deliveries[base + 1 + 2 * i] ?? 0);
      packet.length = deliveries[base + 2 + 2 * i] ?? 0;
      packets[i] = packet;
      if (packet.capacity > smallSize) this.#heldLarge--;
      else this.#heldSmall--;
    }
    this.#deliveringBatch = index;
    try {
      this.#deliver(packets, count);
    } finally {
      this.#deliveringBatch = -1;
    }
    return this.#end === undefined ? this.#writeRefill() : 0;
  }

  #deliver(packets: PooledPacket[], count: number): void {
    const handler = this.#handler;
    if (handler !== undefined) {
      try {
        handler(packets, count);
      } catch (error) {
        this.#reportError(error);
      }
      return;
    }
    for (let i = 0; i < count; i++) this.#queue.push(packets[i] as PooledPacket);
    while (this.#waiters.length > 0 && this.#queue.size > 0) {
      const waiter = this.#waiters.shift() as Waiter;
      waiter.resolve(this.#queue.take(waiter.max));
    }
  }

  // An "error" event with no listener would throw out of the batch callback before the receive
  // thread got its slots back, and it would starve: warn instead.
  #reportError(error: unknown): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else
      process.emitWarning(
        error instanceof Error ? error : new Error(String(error)),
        "MagmaSessionWarning",
      );
  }

  // Rents slots to bring the thread's stock back to its targets; writes their ids into the shared
  // refill array and returns how many. When the pool is exhausted a timer retries, so the thread
  // gets slots again as soon as the application disposes packets.
  //
  // While packets go to workers, the slots the thread holds go round between it and the workers
  // and never come back here: the thread asks only when all of them are out, and then gets its
  // target of small slots once more, so its stock grows with the load, up to the pool. (Its large
  // slots stay at their target: they are few, and the port's own transmitter needs some.)
  #writeRefill(): number {
    const refill = this.#refill;
    let written = 0;
    const wantSmall = this.#targetSmall - (this.#steered ? 0 : this.#heldSmall);
    if (wantSmall > 0) {
      const rented = this.pool.rentInto(this.#rentScratch, wantSmall);
      for (let i = 0; i < rented; i++)
        refill[written++] = (this.#rentScratch[i] as PooledPacket).id;
      this.#heldSmall += rented;
    }
    while (this.#heldLarge < this.#targetLarge) {
      const large = this.pool.tryRent(this.pool.slotSize + 1);
      if (large === undefined) break;
      refill[written++] = large.id;
      this.#heldLarge++;
    }
    const short = this.#heldSmall < this.#targetSmall || this.#heldLarge < this.#targetLarge;
    if (short && this.#refillRetry === undefined) {
      this.#refillRetry = setTimeout(() => {
        this.#refillRetry = undefined;
        if (this.#end !== undefined) return;
        const count = this.#writeRefill();
        if (count > 0) this.#native.provideSlots(count);
      }, 1);
      this.#refillRetry.unref();
    }
    return written;
  }
}
