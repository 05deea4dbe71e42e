import { EventEmitter } from "node:events";
import { PacketMemoryPool } from "@magma/memory-pool";
import {
  booleanOption,
  checkOptionNames,
  functionOption,
  type IPacketReceiver,
  OptionError,
  type PacketPort,
  type PacketReceiverFactory,
  type PortStatistics,
  stringOption,
} from "@magma/transport";
import { controlEndpointPath } from "../control/control-endpoint-path.js";
import { ControlServer } from "../control/control-server.js";
import {
  type ResolvedSessionOptions,
  resolveSessionOptions,
  SESSION_OPTION_NAMES,
} from "../session/session-options.js";
import type {
  WinTunSession,
  WinTunSessionEnd,
  WinTunSessionOptions,
} from "../session/wintun-session.js";
import { WinTunAdapter, type WinTunInterfaceStatistics } from "../wintun-adapter.js";
import {
  type PortWorkerStatistics,
  PortWorkers,
  type PortWorkersOptions,
  type ResolvedPortWorkersOptions,
  resolvePortWorkersOptions,
} from "../workers/port-workers.js";
import {
  type CaptureCounters,
  type CaptureDestination,
  type CaptureOptions,
  checkCaptureArguments,
  PacketCapture,
} from "./packet-capture.js";
import { PortError } from "./port-error.js";
import { WinTunTransmitter } from "./win-tun-transmitter.js";
import { type ReceiverCounters, WinTunTransportReceiver } from "./win-tun-transport-receiver.js";

export interface WinTunPortOptions<TReceiver extends IPacketReceiver> {
  /** The adapter to open, or to create when none has this name. */
  readonly adapterName: string;
  /** For a created adapter: shown as "<tunnelType> Tunnel". Default "Magma". */
  readonly tunnelType?: string;
  /** For a created adapter: a fixed GUID keeps its network identity across runs. */
  readonly guid?: string;
  /** Ring capacity per direction; see `WinTunSessionOptions.capacity`. */
  readonly capacity?: number;
  /** Packet memory shared by receive and send. Default: a new PacketMemoryPool(). */
  readonly pool?: PacketMemoryPool;
  /** The wintun library; see `WinTunLibrary.load`. */
  readonly libraryPath?: string;
  /**
   * Receive tuning passed to the session (`maxBatch`, `batchesInFlight`, `receiveSlots`,
   * `receiveLargeSlots`, `spinMicroseconds`); see `WinTunSessionOptions`.
   */
  readonly session?: Omit<WinTunSessionOptions, "capacity" | "pool">;
  /** Builds the receiver from the port's transmitter, so it can answer what it receives. */
  readonly packetReceiverFactory: PacketReceiverFactory<WinTunTransmitter, TReceiver>;
  /**
   * Opens a control endpoint (`controlPath`) that serves this port's statistics and captures to
   * `magma stats` and `magma capture` in other processes: a Unix socket of mode 0600 in
   * `MAGMA_CONTROL_DIR` (default /run/magma) on Linux, a named pipe on Windows. Default false.
   */
  readonly control?: boolean;
}

/**
 * A port whose receivers run on worker threads: `workers.receiverModule` exports the
 * `packetReceiverFactory` each worker calls with a transmitter of its own. Every packet of a flow
 * goes to one worker, in order. The pool (default: a new one) must be made with `shared: true`.
 */
export interface WinTunWorkerPortOptions
  extends Omit<WinTunPortOptions<IPacketReceiver>, "packetReceiverFactory"> {
  readonly workers: PortWorkersOptions;
  readonly packetReceiverFactory?: undefined;
}

/** Packets a port lost, by cause. Each is counted where it happened; none is ever thrown. */
// A type, not an interface: it must fit `PortStatistics.drops`, a record of counters.
export type WinTunPortDrops = {
  /** Received packets dropped because the pool had no free slot of their size. */
  readonly rxPoolExhausted: number;
  /** Packets the driver had put in the receive ring when the session ended with them there. */
  readonly rxLeftInRing: number;
  /** Sends refused because the send ring had no room. */
  readonly txRingFull: number;
  /** `tryGetNextBuffer` found no free ordinary slot in the pool. */
  readonly txPoolExhausted: number;
  /** `tryGetNextBuffer(minLength)` found no free large slot in the pool. */
  readonly txLargePoolExhausted: number;
  /** Sends after the session ended or while the adapter was going away. */
  readonly txSessionEnded: number;
  /** With workers: received packets dropped because their worker's queue was full. */
  readonly rxWorkerQueueFull: number;
  /** With workers: received packets a worker held or had queued when it died. */
  readonly rxWorkerLost: number;
  /** Packets sent with a length of 0 or above 65535, or from another pool. */
  readonly txInvalidPacket: number;
};

/** `PortStatistics` with the port's own detail. */
export interface WinTunPortStatistics extends PortStatistics {
  /** Crossings from native code into JavaScript that carried the received packets. */
  readonly rxBatches: number;
  readonly drops: WinTunPortDrops;
  readonly receiver: Readonly<ReceiverCounters>;
  /** Packet capture (`capture()`), summed over the port's captures. */
  readonly capture: Readonly<CaptureCounters>;
  /**
   * The adapter's interface counters (`adapter.interfaceStatistics()`), beside ours: its
   * `txDropped` shows packets lost toward this port before they reached the ring (a slow receiver
   * fills the ring; the driver then discards). Undefined once the adapter is closed or gone.
   */
  readonly interface: WinTunInterfaceStatistics | undefined;
  /** With workers: each worker's counters (the fields above are the totals). */
  readonly workers?: readonly PortWorkerStatistics[];
}

interface WinTunPortEvents {
  /** A receiver that threw, or broke the contract; the pump goes on. */
  error: [unknown];
  /** The session ended: closed by us, its adapter removed, or a fatal ring error. */
  end: [WinTunSessionEnd];
}

/**
 * Magma's contracts over one wintun adapter: received packets go to `receiver.tryConsume` in
 * batches, replies go out through `transmitter`. Swapping the backend means swapping this factory;
 * the receiver stays as it is.
 *
 * ```ts
 * const port = await WinTunPort.create<MyReceiver>({
 *   adapterName: "Magma TAP",
 *   packetReceiverFactory: (transmitter) => new MyReceiver(transmitter),
 * });
 * ```
 */
export class WinTunPort<TReceiver extends IPacketReceiver>
  extends EventEmitter<WinTunPortEvents>
  implements PacketPort<WinTunTransmitter, TReceiver>
{
  readonly adapter: WinTunAdapter;
  readonly session: WinTunSession;
  readonly transmitter: WinTunTransmitter;
  /** Resolves once, when the session has ended, with why. */
  readonly ended: Promise<WinTunSessionEnd>;
  readonly #receiver: TReceiver | undefined;
  readonly #pump: WinTunTransportReceiver<TReceiver> | undefined;
  readonly #workers: PortWorkers | undefined;
  #closing: Promise<void> | undefined;
  #capture: PacketCapture | undefined;
  #control: ControlServer | undefined;
  readonly #captureCounters: CaptureCounters = { packets: 0, bytes: 0, drops: 0 };

  private constructor(
    adapter: WinTunAdapter,
    session: WinTunSession,
    receive: PacketReceiverFactory<WinTunTransmitter, TReceiver> | PortWorkers,
  ) {
    super();
    this.adapter = adapter;
    this.session = session;
    this.transmitter = new WinTunTransmitter(session);
    if (receive instanceof PortWorkers) {
      this.#workers = receive;
      receive.reportErrorsTo((error) => this.#report(error));
    } else {
      this.#receiver = receive(this.transmitter);
      this.#pump = new WinTunTransportReceiver(session, this.#receiver, this.transmitter, (error) =>
        this.#report(error),
      );
    }
    this.ended = session.ended;
    session.on("error", (error) => this.#report(error));
    session.once("end", (end) => {
      this.transmitter.close();
      // No packet can come any more: what was captured goes to the destination, which ends.
      this.#capture?.close().catch(() => {});
      void this.#control?.close();
      void this.#workers?.close();
      this.emit("end", end);
    });
  }

  /**
   * Opens the adapter named `adapterName` (or creates it), starts its session and the receive pump.
   * Throws `WinTunError` as `WinTunAdapter.create/open` and `startSession` do; nothing is left
   * behind on failure.
   */
  static async create<TReceiver extends IPacketReceiver>(
    options: WinTunPortOptions<TReceiver>,
  ): Promise<WinTunPort<TReceiver>>;
  /**
   * The same with the receivers on worker threads (`workers`): resolves once every worker's
   * receiver is built. Throws `PortError` `WORKER_START_FAILED` when one cannot be.
   */
  static async create(options: WinTunWorkerPortOptions): Promise<WinTunPort<never>>;
  static async create<TReceiver extends IPacketReceiver>(
    options: WinTunPortOptions<TReceiver> | WinTunWorkerPortOptions,
  ): Promise<WinTunPort<TReceiver>> {
    const { sessionOptions, workerOptions } = checkPortOptions(options);
    let session: WinTunSession | undefined;
    let workers: PortWorkers | undefined;
    // The session starts while the name is still taken: of two ports created at once on one name,
    // in this process or another, the one that created the adapter runs its session, and the other
    // gets ERROR_ALREADY_INITIALIZED instead of starting a session the creator would then remove.
    const adapter = await WinTunAdapter.openOrCreate(
      {
        name: options.adapterName,
        ...(options.tunnelType === undefined ? {} : { tunnelType: options.tunnelType }),
        ...(options.guid === undefined ? {} : { guid: options.guid }),
        ...(options.libraryPath === undefined ? {} : { libraryPath: options.libraryPath }),
      },
      (opened) => {
        session = opened.startSession(sessionOptions);
        // Before any batch can arrive, so that every packet goes to the worker of its flow.
        if (workerOptions !== undefined) {
          try {
            workers = PortWorkers.start(session, workerOptions);
          } catch (error) {
            session.close();
            throw error;
          }
        }
      },
    );
    let port: WinTunPort<TReceiver>;
    try {
      port = new WinTunPort(
        adapter,
        session as WinTunSession,
        workers ??
          (options.packetReceiverFactory as PacketReceiverFactory<WinTunTransmitter, TReceiver>),
      );
    } catch (error) {
      session?.close();
      adapter.close();
      await workers?.close();
      throw error;
    }
    if (workers !== undefined) {
      try {
        await workers.ready();
      } catch (error) {
        await port.close();
        throw error;
      }
    }
    if (options.control === true) {
      try {
        await port.#openControl();
      } catch (error) {
        await port.close();
        throw error;
      }
    }
    return port;
  }

  /**
   * The receiver the factory built. Throws `PortError` `RECEIVER_IN_WORKERS` for a port with
   * `workers`: each worker has its own, reachable only from the worker's module.
   */
  get receiver(): TReceiver {
    if (this.#receiver === undefined) {
      throw new PortError("RECEIVER_IN_WORKERS", "this port's receivers run on its workers", {
        hint: "each worker builds its own with receiverModule's packetReceiverFactory",
      });
    }
    return this.#receiver;
  }

  /** The control endpoint's path (a socket or a pipe) with `control: true`, else undefined. */
  get controlPath(): string | undefined {
    return this.#control?.path;
  }

  async #openControl(): Promise<void> {
    this.#control = await ControlServer.listen(
      {
        adapterName: this.adapter.name,
        backend: "wintun",
        role: "port",
        stats: () => this.stats,
        capture: (destination, options) => this.capture(destination, options),
      },
      controlEndpointPath(this.adapter.name),
      (error) => this.#report(error),
    );
  }

  get stats(): WinTunPortStatistics {
    const session = this.session.stats;
    const { drops } = session;
    const workers = this.#workers?.stats;
    // Workers send into the same ring (the session counts their packets); their own drops add up.
    const sum = (field: keyof PortWorkerStatistics): number =>
      workers === undefined
        ? 0
        : workers.reduce((total, worker) => total + Number(worker[field]), 0);
    return {
      rxPackets: session.rxPackets,
      rxBytes: session.rxBytes,
      rxBatches: session.rxBatches,
      txPackets: session.txPackets,
      txBytes: session.txBytes,
      drops: {
        rxPoolExhausted: drops.poolExhausted,
        rxLeftInRing: drops.leftInRing,
        txRingFull: drops.sendRingFull,
        txPoolExhausted: this.transmitter.drops.txPoolExhausted + sum("txPoolExhausted"),
        txLargePoolExhausted:
          this.transmitter.drops.txLargePoolExhausted + sum("txLargePoolExhausted"),
        txSessionEnded:
          drops.sessionEnded + this.transmitter.drops.txSessionEnded + sum("txSessionEnded"),
        txInvalidPacket: drops.invalidPacket,
        rxWorkerQueueFull: sum("queueFull"),
        rxWorkerLost: sum("lost"),
      },
      receiver:
        this.#pump === undefined
          ? {
              consumed: sum("consumed"),
              declined: sum("declined"),
              receiverErrors: sum("receiverErrors"),
            }
          : { ...this.#pump.counters },
      capture: { ...this.#captureCounters },
      interface: this.#interfaceStatistics(),
      ...(workers === undefined ? {} : { workers }),
    };
  }

  /** @internal Tests: ends worker `index`'s thread as a crash would. */
  terminateWorker(index: number): Promise<number> {
    if (this.#workers === undefined) return Promise.resolve(0);
    return this.#workers.terminateWorker(index);
  }

  // The adapter's own counters: what was lost before the session saw it (a full ring, a full
  // kernel queue). Undefined once the adapter is closed or gone.
  #interfaceStatistics(): WinTunInterfaceStatistics | undefined {
    try {
      return this.adapter.interfaceStatistics();
    } catch {
      return undefined;
    }
  }

  /**
   * Starts capturing the packets the port receives and sends into a pcapng stream: `destination`
   * is a file path (created or truncated) or a `Writable`. Packets are copied (up to
   * `snapLength`) with nanosecond timestamps and their direction into a bounded buffer and written
   * from there; when the destination falls behind, packets are left out of the capture and
   * counted in `stats.capture.drops`, and the port's traffic goes on. A destination that fails
   * ends the capture: the port reports a `PortError` `CAPTURE_FAILED` as an "error" event and
   * goes on. The port's `close()` ends a running capture.
   *
   * Throws `OptionError` for a bad destination or option, `PortError` `CAPTURE_RUNNING` while a
   * capture runs (one at a time), `PortError` `PORT_CLOSED` once the port is closing.
   */
  capture(destination: CaptureDestination, options?: CaptureOptions): PacketCapture {
    const resolved = checkCaptureArguments(destination, options, this.adapter.name);
    if (this.#workers !== undefined) {
      throw new PortError("CAPTURE_UNSUPPORTED", "capture: not yet on a port with workers", {
        hint: "the packets the workers send do not pass the port's thread; capture without workers",
      });
    }
    if (this.#closing !== undefined || this.session.isClosed) {
      throw new PortError("PORT_CLOSED", "capture: the port is closed");
    }
    if (this.#capture !== undefined) {
      throw new PortError("CAPTURE_RUNNING", "capture: a capture is already running on this port", {
        hint: "close() it first; one capture at a time",
      });
    }
    const capture = new PacketCapture(
      destination,
      resolved,
      this.#captureCounters,
      (stopped) => {
        if (this.#capture !== stopped) return;
        this.#capture = undefined;
        if (this.#pump !== undefined) this.#pump.capture = undefined;
        this.transmitter.capture = undefined;
      },
      (error) => this.#report(error),
    );
    this.#capture = capture;
    if (this.#pump !== undefined) this.#pump.capture = capture;
    this.transmitter.capture = capture;
    return capture;
  }

  /**
   * Sends what the transmitter has queued, ends the session in wintun's order and closes the
   * adapter (removing it if this port created it), then ends a running capture (resolving once
   * its destination has everything). Idempotent; safe while packets flow. Packets the receiver
   * still holds stay valid until it disposes them.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Taken first: the session's end, which closing it may bring at once, detaches the capture.
      const capture = this.#capture;
      this.transmitter.close();
      this.session.close();
      this.adapter.close();
      // After the session: no batch comes any more, and what the workers send now is counted.
      await this.#workers?.close();
      // Its failure was already reported as an "error" event; closing the port goes on.
      await capture?.close().catch(() => {});
      await this.#control?.close();
    })();
    return this.#closing;
  }

  #report(error: unknown): void {
    // An "error" event with no listener would throw out of the pump; warn instead.
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else
      process.emitWarning(
        error instanceof Error ? error : new Error(String(error)),
        "MagmaPortWarning",
      );
  }
}

const WHERE = "WinTunPort.create";
const PORT_OPTION_NAMES: readonly (
  | keyof WinTunPortOptions<IPacketReceiver>
  | keyof WinTunWorkerPortOptions
)[] = [
  "adapterName",
  "tunnelType",
  "guid",
  "capacity",
  "pool",
  "libraryPath",
  "session",
  "packetReceiverFactory",
  "control",
  "workers",
];
const PORT_SESSION_OPTION_NAMES = SESSION_OPTION_NAMES.filter(
  (name) => name !== "capacity" && name !== "pool",
);

// Every option is checked before the adapter is opened, so a bad one leaves nothing behind. The
// adapter checks what only it knows (a name wintun refuses, a malformed GUID).
function checkPortOptions<TReceiver extends IPacketReceiver>(
  options: WinTunPortOptions<TReceiver> | WinTunWorkerPortOptions,
): {
  sessionOptions: ResolvedSessionOptions;
  workerOptions: ResolvedPortWorkersOptions | undefined;
} {
  checkOptionNames(WHERE, options, PORT_OPTION_NAMES);
  if (options === undefined) {
    throw new OptionError("INVALID_OPTION", WHERE, "options", options, "an object");
  }
  stringOption(WHERE, "adapterName", options.adapterName, true);
  stringOption(WHERE, "tunnelType", options.tunnelType, false);
  stringOption(WHERE, "guid", options.guid, false);
  stringOption(WHERE, "libraryPath", options.libraryPath, false);
  const workerOptions =
    "workers" in options && options.workers !== undefined
      ? resolvePortWorkersOptions(options.workers)
      : undefined;
  if (workerOptions === undefined) {
    functionOption(WHERE, "packetReceiverFactory", options.packetReceiverFactory, true);
  } else if (options.packetReceiverFactory !== undefined) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "packetReceiverFactory",
      options.packetReceiverFactory,
      "nothing with workers",
      "each worker takes the factory from workers.receiverModule",
    );
  }
  booleanOption(WHERE, "control", options.control, false);
  checkOptionNames(WHERE, options.session, PORT_SESSION_OPTION_NAMES, "session");
  // Workers read received packets where they are: the pool's slabs must be shared memory.
  const pool =
    options.pool ??
    (workerOptions === undefined ? undefined : new PacketMemoryPool({ shared: true }));
  if (workerOptions !== undefined && pool !== undefined && !pool.shared) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "pool",
      pool,
      "a pool made with shared: true",
      "workers read received packets in place, on SharedArrayBuffer slabs",
    );
  }
  const sessionOptions = resolveSessionOptions(
    WHERE,
    {
      ...options.session,
      ...(options.capacity === undefined ? {} : { capacity: options.capacity }),
      ...(pool === undefined ? {} : { pool }),
    },
    (name) => (name === "capacity" || name === "pool" ? name : `session.${name}`),
  );
  return { sessionOptions, workerOptions };
}
