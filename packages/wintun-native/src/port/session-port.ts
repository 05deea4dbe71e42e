import { EventEmitter } from "node:events";
import type {
  IPacketReceiver,
  PacketPort,
  PacketReceiverFactory,
  PortStatistics,
} from "@magma/transport";
import { controlEndpointPath } from "../control/control-endpoint-path.js";
import { ControlServer } from "../control/control-server.js";
import type { WinTunSession, WinTunSessionEnd } from "../session/wintun-session.js";
import type { WinTunInterfaceStatistics } from "../wintun-adapter.js";
import {
  type PortWorkerStatistics,
  PortWorkers,
  type ResolvedPortWorkersOptions,
} from "../workers/port-workers.js";
import {
  type CaptureCounters,
  type CaptureDestination,
  type CaptureOptions,
  checkCaptureArguments,
  PacketCapture,
} from "./packet-capture.js";
import { PortError } from "./port-error.js";
import type { SessionTransmitter } from "./session-transmitter.js";
import { type ReceiverCounters, WinTunTransportReceiver } from "./win-tun-transport-receiver.js";

/** The backend a port runs on, as its control endpoint names it to `magma stats`. */
export type SessionPortBackend = "wintun" | "tap";

/** Packets a port lost, by cause. Each is counted where it happened; none is ever thrown. */
// A type, not an interface: it must fit `PortStatistics.drops`, a record of counters.
export type SessionPortDrops = {
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
  /** Packets sent with a length of 0 or above 65535 (TAP: above its MTU), or from another pool. */
  readonly txInvalidPacket: number;
  /**
   * Received packets no slot may hold: for TAP, a packet longer than the read buffer (MTU + 18),
   * which the driver discards with ERROR_MORE_DATA; wintun never delivers one.
   */
  readonly rxInvalidPacket: number;
};

/** `PortStatistics` with the port's own detail. */
export interface SessionPortStatistics extends PortStatistics {
  /** Crossings from native code into JavaScript that carried the received packets. */
  readonly rxBatches: number;
  readonly drops: SessionPortDrops;
  readonly receiver: Readonly<ReceiverCounters>;
  /** Packet capture (`capture()`), summed over the port's captures. */
  readonly capture: Readonly<CaptureCounters>;
  /**
   * The adapter's interface counters (wintun: `adapter.interfaceStatistics()`), beside ours: its
   * `txDropped` shows packets lost toward this port before they reached the ring (a slow receiver
   * fills the ring; the driver then discards). Undefined once the adapter is closed or gone, and
   * on a backend that has none.
   */
  readonly interface: WinTunInterfaceStatistics | undefined;
  /** With workers: each worker's counters (the fields above are the totals). */
  readonly workers?: readonly PortWorkerStatistics[];
}

export interface SessionPortEvents {
  /** A receiver that threw, or broke the contract; the pump goes on. */
  error: [unknown];
  /** The session ended: closed by us, its adapter removed, or a fatal ring error. */
  end: [WinTunSessionEnd];
}

/**
 * What every backend's port is, over a session on its adapter: the receive pump (or the workers),
 * the transmitter, capture, the control endpoint, statistics and the close order. A backend
 * (`WinTunPort`, TAP's port) adds its adapter, its `create` and the hooks below.
 */
export abstract class SessionPort<
    TTransmitter extends SessionTransmitter,
    TReceiver extends IPacketReceiver,
  >
  extends EventEmitter<SessionPortEvents>
  implements PacketPort<TTransmitter, TReceiver>
{
  readonly session: WinTunSession;
  readonly transmitter: TTransmitter;
  /** Resolves once, when the session has ended, with why. */
  readonly ended: Promise<WinTunSessionEnd>;
  /** The backend, as the control endpoint names it. */
  protected abstract readonly backendName: SessionPortBackend;
  /** The adapter's name: the control endpoint's and the capture's. */
  protected abstract readonly adapterName: string;
  readonly #receiver: TReceiver | undefined;
  readonly #pump: WinTunTransportReceiver<TReceiver> | undefined;
  readonly #workers: PortWorkers | undefined;
  #closing: Promise<void> | undefined;
  #capture: PacketCapture | undefined;
  #control: ControlServer | undefined;
  readonly #captureCounters: CaptureCounters = { packets: 0, bytes: 0, drops: 0 };

  protected constructor(
    session: WinTunSession,
    transmitter: TTransmitter,
    receive: PacketReceiverFactory<TTransmitter, TReceiver> | PortWorkers,
  ) {
    super();
    this.session = session;
    this.transmitter = transmitter;
    if (receive instanceof PortWorkers) {
      this.#workers = receive;
      receive.reportErrorsTo((error) => this.report(error));
    } else {
      this.#receiver = receive(this.transmitter);
      this.#pump = new WinTunTransportReceiver(session, this.#receiver, this.transmitter, (error) =>
        this.report(error),
      );
    }
    this.ended = session.ended;
    session.on("error", (error) => this.report(error));
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
   * For a backend's `create`, once its session has started: the workers, when `options` asks for
   * them, started before any batch can arrive so that every packet goes to the worker of its
   * flow. Closes the session when they cannot start. `maxPacketLength`: the cap of the backend's
   * transmitter (default 65535), which each worker's transmitter takes too.
   */
  protected static startWorkers(
    session: WinTunSession,
    options: ResolvedPortWorkersOptions | undefined,
    maxPacketLength?: number,
  ): PortWorkers | undefined {
    if (options === undefined) return undefined;
    try {
      return PortWorkers.start(session, options, maxPacketLength);
    } catch (error) {
      session.close();
      throw error;
    }
  }

  /**
   * The rest of a backend's `create`: builds the port (`construct`), waits until every worker's
   * receiver is built, and opens the control endpoint with `control`. Nothing is left behind on
   * failure: when `construct` throws, `abandon` closes what the port would have owned (session,
   * adapter) and the workers are closed; after it, the port is closed.
   */
  protected static async assemble<TPort extends SessionPort<SessionTransmitter, IPacketReceiver>>(
    construct: () => TPort,
    abandon: () => void,
    workers: PortWorkers | undefined,
    control: boolean,
  ): Promise<TPort> {
    let port: TPort;
    try {
      port = construct();
    } catch (error) {
      abandon();
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
    if (control) {
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
   * The adapter's own counters: what was lost before the session saw it (a full ring, a full
   * kernel queue). May throw once the adapter is closed or gone (the port reports undefined then);
   * undefined on a backend that has none.
   */
  protected abstract interfaceStatistics(): WinTunInterfaceStatistics | undefined;

  /**
   * Closes the adapter, after the session (wintun's order: a session ends before its adapter
   * closes). Called once, by `close()`.
   */
  protected abstract closeAdapter(): void;

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
        adapterName: this.adapterName,
        backend: this.backendName,
        role: "port",
        stats: () => this.stats,
        capture: (destination, options) => this.capture(destination, options),
      },
      controlEndpointPath(this.adapterName),
      (error) => this.report(error),
    );
  }

  get stats(): SessionPortStatistics {
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
        rxInvalidPacket: drops.invalidReceived,
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
      interface: this.#interfaceStatisticsIfAny(),
      ...(workers === undefined ? {} : { workers }),
    };
  }

  /** @internal Tests: ends worker `index`'s thread as a crash would. */
  terminateWorker(index: number): Promise<number> {
    if (this.#workers === undefined) return Promise.resolve(0);
    return this.#workers.terminateWorker(index);
  }

  #interfaceStatisticsIfAny(): WinTunInterfaceStatistics | undefined {
    try {
      return this.interfaceStatistics();
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
    const resolved = checkCaptureArguments(destination, options, this.adapterName);
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
      (error) => this.report(error),
    );
    this.#capture = capture;
    if (this.#pump !== undefined) this.#pump.capture = capture;
    this.transmitter.capture = capture;
    return capture;
  }

  /**
   * Sends what the transmitter has queued, ends the session in wintun's order and closes the
   * adapter (wintun removes one this port created), then ends a running capture (resolving once
   * its destination has everything). Idempotent; safe while packets flow. Packets the receiver
   * still holds stay valid until it disposes them.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Taken first: the session's end, which closing it may bring at once, detaches the capture.
      const capture = this.#capture;
      this.transmitter.close();
      this.session.close();
      this.closeAdapter();
      // After the session: no batch comes any more, and what the workers send now is counted.
      await this.#workers?.close();
      // Its failure was already reported as an "error" event; closing the port goes on.
      await capture?.close().catch(() => {});
      await this.#control?.close();
    })();
    return this.#closing;
  }

  /**
   * Reports what went wrong without ending the port: an "error" event, or a process warning when
   * nobody listens (an "error" event with no listener would throw out of the pump). Backends use
   * it for their own failures too.
   */
  protected report(error: unknown): void {
    if (this.listenerCount("error") > 0) this.emit("error", error);
    else
      process.emitWarning(
        error instanceof Error ? error : new Error(String(error)),
        "MagmaPortWarning",
      );
  }
}
