import { type IPacketReceiver, type PacketReceiverFactory, stringOption } from "@magma/transport";
import type { WinTunSession } from "../session/wintun-session.js";
import { WinTunAdapter, type WinTunInterfaceStatistics } from "../wintun-adapter.js";
import type { PortWorkers } from "../workers/port-workers.js";
import { SessionPort, type SessionPortDrops, type SessionPortStatistics } from "./session-port.js";
import {
  type ResolvedSessionPortOptions,
  resolveSessionPortOptions,
  type SessionPortOptions,
  type SessionWorkerPortOptions,
} from "./session-port-options.js";
import { WinTunTransmitter } from "./win-tun-transmitter.js";

export interface WinTunPortOptions<TReceiver extends IPacketReceiver>
  extends SessionPortOptions<WinTunTransmitter, TReceiver> {
  /** The adapter to open, or to create when none has this name. */
  readonly adapterName: string;
  /** For a created adapter: shown as "<tunnelType> Tunnel". Default "Magma". */
  readonly tunnelType?: string;
  /** For a created adapter: a fixed GUID keeps its network identity across runs. */
  readonly guid?: string;
  /** Ring capacity per direction; see `WinTunSessionOptions.capacity`. */
  readonly capacity?: number;
  /** The wintun library; see `WinTunLibrary.load`. */
  readonly libraryPath?: string;
}

/**
 * A port whose receivers run on worker threads: `workers.receiverModule` exports the
 * `packetReceiverFactory` each worker calls with a transmitter of its own. Every packet of a flow
 * goes to one worker, in order. The pool (default: a new one) must be made with `shared: true`.
 */
export interface WinTunWorkerPortOptions
  extends Omit<WinTunPortOptions<IPacketReceiver>, "packetReceiverFactory">,
    SessionWorkerPortOptions {}

/** Packets a port lost, by cause: `SessionPortDrops`, which every backend's port counts. */
export type WinTunPortDrops = SessionPortDrops;

/** `PortStatistics` with the port's own detail: `SessionPortStatistics`. */
export type WinTunPortStatistics = SessionPortStatistics;

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
export class WinTunPort<TReceiver extends IPacketReceiver> extends SessionPort<
  WinTunTransmitter,
  TReceiver
> {
  readonly adapter: WinTunAdapter;
  protected readonly backendName = "wintun";

  private constructor(
    adapter: WinTunAdapter,
    session: WinTunSession,
    receive: PacketReceiverFactory<WinTunTransmitter, TReceiver> | PortWorkers,
  ) {
    super(session, new WinTunTransmitter(session), receive);
    this.adapter = adapter;
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
        workers = WinTunPort.startWorkers(session, workerOptions);
      },
    );
    return WinTunPort.assemble(
      () =>
        new WinTunPort(
          adapter,
          session as WinTunSession,
          workers ??
            (options.packetReceiverFactory as PacketReceiverFactory<WinTunTransmitter, TReceiver>),
        ),
      () => {
        session?.close();
        adapter.close();
      },
      workers,
      options.control === true,
    );
  }

  protected get adapterName(): string {
    return this.adapter.name;
  }

  protected interfaceStatistics(): WinTunInterfaceStatistics | undefined {
    return this.adapter.interfaceStatistics();
  }

  // Removes the adapter when this port created it.
  protected closeAdapter(): void {
    this.adapter.close();
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

// Every option is checked before the adapter is opened, so a bad one leaves nothing behind. The
// adapter checks what only it knows (a name wintun refuses, a malformed GUID).
function checkPortOptions<TReceiver extends IPacketReceiver>(
  options: WinTunPortOptions<TReceiver> | WinTunWorkerPortOptions,
): ResolvedSessionPortOptions {
  // `options?.`: from JavaScript it may be missing, which the shared check reports by name.
  const resolved = resolveSessionPortOptions(WHERE, options, PORT_OPTION_NAMES, options?.capacity);
  stringOption(WHERE, "adapterName", options.adapterName, true);
  stringOption(WHERE, "tunnelType", options.tunnelType, false);
  stringOption(WHERE, "guid", options.guid, false);
  stringOption(WHERE, "libraryPath", options.libraryPath, false);
  return resolved;
}
