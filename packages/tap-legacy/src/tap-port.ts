import {
  type IPacketReceiver,
  integerOption,
  OptionError,
  type PacketReceiverFactory,
  stringOption,
} from "@magma/transport";
import {
  type AppliedConfiguration,
  INTERNAL_SESSION_PORT_OPTION_NAMES,
  type InternalNativeTapDevice,
  type InternalNativeTapLibrary,
  type InternalPortWorkers,
  InternalSessionPort,
  type InternalSessionPortOptions,
  type InternalSessionWorkerPortOptions,
  internalConfigureInterface,
  internalRemoveInterfaceConfiguration,
  internalResolveSessionPortOptions,
  type SessionPortStatistics,
  type WinTunInterfaceStatistics,
  WinTunSession,
} from "@magma/wintun-native";
import { adapterInfo, guidNamed, type TapAdapterInfo } from "./tap-adapters.js";
import { checkAdapterName, checkGuid } from "./tap-arguments.js";
import { TapError, TapErrorCode } from "./tap-error.js";
import { callNative, loadTapLibrary } from "./tap-library.js";
import { planTapNetwork, type TapNetwork } from "./tap-network.js";
import { TapTransmitter } from "./tap-transmitter.js";

/** The options of `TapPort.create`: the adapter (by name or GUID) and what every port takes. */
export interface TapPortOptions<TReceiver extends IPacketReceiver>
  extends InternalSessionPortOptions<TapTransmitter, TReceiver> {
  /** The adapter's connection name; or give `guid`. */
  readonly adapterName?: string;
  /** The adapter's GUID (NetCfgInstanceId), braces and case optional; or give `adapterName`. */
  readonly guid?: string;
  /**
   * Addresses (and routes, resolvers) for the adapter, applied after CONFIG_TUN and removed again
   * by `close()`. IPv4 works only with an IPv4 address here: CONFIG_TUN needs the adapter's real
   * address (reference B.4). See `TapNetwork`.
   */
  readonly network?: TapNetwork;
  /** The interface MTU to set; at most the driver's (the adapter's registry `MTU`, B.5). */
  readonly mtu?: number;
  /** Linux: the TAP emulator library (see `tapLibraryPath`); ignored on Windows. */
  readonly libraryPath?: string;
}

/** `TapPortOptions` with the receivers on worker threads (see `WinTunWorkerPortOptions`). */
export interface TapWorkerPortOptions
  extends Omit<TapPortOptions<IPacketReceiver>, "packetReceiverFactory">,
    InternalSessionWorkerPortOptions {}

/** A TAP port's counters: the same as every backend's (`SessionPortStatistics`). */
export type TapPortStatistics = SessionPortStatistics;

/**
 * Magma's contracts over one TAP-Windows (tap0901) adapter, the same port as `WinTunPort` over
 * the driver's TUN mode: received packets go to `receiver.tryConsume` in batches, replies go out
 * through `transmitter`, with the same events, statistics, capture, control endpoint and close
 * order. A program moves from one backend to the other by changing its import and this call:
 *
 * ```ts
 * const port = await TapPort.create<MyReceiver>({
 *   adapterName: "Magma TAP",
 *   network: { addresses: ["198.18.0.1/24"] },
 *   packetReceiverFactory: (transmitter) => new MyReceiver(transmitter),
 * });
 * ```
 *
 * Opening follows OpenVPN's order (reference B.2): the device, GET_VERSION (refused below 9.9),
 * GET_MTU, CONFIG_TUN with the adapter's address and network, SET_MEDIA_STATUS(1), then the
 * interface's addresses. The driver allows one handle at a time: a second port (or OpenVPN) on
 * the same adapter gets `TapError` ERROR_GEN_FAILURE. Receiving keeps 256 reads posted, each of
 * MTU + 18 bytes, and sends are overlapped writes, both through the session's native thread and
 * batches, as wintun's ring. The adapter going away (disabled, removed) ends the port with reason
 * "adapter-removed".
 */
export class TapPort<TReceiver extends IPacketReceiver> extends InternalSessionPort<
  TapTransmitter,
  TReceiver
> {
  /**
   * The adapter as `listTapAdapters()` shows it, with what its device said (GET_VERSION, GET_MTU,
   * GET_MAC) when the port opened it: free and present then, held by the port since.
   */
  readonly adapter: TapAdapterInfo;
  /** GET_MTU: the driver's MTU, the longest packet the transmitter sends. */
  readonly driverMtu: number;
  protected readonly backendName = "tap";
  readonly #device: InternalNativeTapDevice;
  readonly #library: InternalNativeTapLibrary;
  #applied: AppliedConfiguration | undefined;

  private constructor(
    library: InternalNativeTapLibrary,
    adapter: TapAdapterInfo,
    device: InternalNativeTapDevice,
    applied: AppliedConfiguration | undefined,
    session: WinTunSession,
    driverMtu: number,
    receive: PacketReceiverFactory<TapTransmitter, TReceiver> | InternalPortWorkers,
  ) {
    super(session, new TapTransmitter(session, driverMtu), receive);
    this.adapter = adapter;
    this.driverMtu = driverMtu;
    this.#library = library;
    this.#device = device;
    this.#applied = applied;
  }

  /**
   * Opens the adapter named `adapterName` (or with `guid`), puts it in TUN mode, connects it,
   * applies `network`, and starts the session and the receive pump. Throws `OptionError` for a bad
   * option, `TapError` for what the driver refused (NOT_FOUND: no such adapter; FILE_NOT_FOUND: a
   * phantom adapter; GEN_FAILURE: another handle holds it; NOT_SUPPORTED: a driver below 9.9),
   * `IpConfigurationError`/`IpHelperError` for `network`. Nothing is left behind on failure.
   */
  static async create<TReceiver extends IPacketReceiver>(
    options: TapPortOptions<TReceiver>,
  ): Promise<TapPort<TReceiver>>;
  /** The same with the receivers on worker threads (`workers`). */
  static async create(options: TapWorkerPortOptions): Promise<TapPort<never>>;
  static async create<TReceiver extends IPacketReceiver>(
    options: TapPortOptions<TReceiver> | TapWorkerPortOptions,
  ): Promise<TapPort<TReceiver>> {
    const { sessionOptions, workerOptions } = internalResolveSessionPortOptions(
      WHERE,
      options,
      TAP_PORT_OPTION_NAMES,
    );
    const wanted = checkAdapterChoice(options);
    stringOption(WHERE, "libraryPath", options.libraryPath, false);
    if (options.mtu !== undefined) integerOption(WHERE, "mtu", options.mtu, 576, 576, 0xffff);
    const plan = planTapNetwork(WHERE, options.network, options.mtu);
    const library = loadTapLibrary(options.libraryPath);
    // The registry alone: opening the other adapters to probe them would reset those nobody
    // holds and could make another program's open fail meanwhile (B.2, B.7).
    const records = callNative(() => library.listAdapters(false));
    const guid = wanted.guid ?? guidNamed(WHERE, wanted.name as string, records);
    const record = records.find((candidate) => candidate.guid === guid);
    if (record === undefined) {
      throw new TapError(TapErrorCode.NOT_FOUND, WHERE, `no TAP adapter has GUID ${guid}`);
    }
    const device = callNative(() => library.openDevice(guid));
    let applied: AppliedConfiguration | undefined;
    let session: WinTunSession | undefined;
    const undo = (): void => {
      session?.close();
      device.close();
      if (applied !== undefined) removeQuietly(record.luid, applied);
    };
    let driverMtu: number;
    let adapter: TapAdapterInfo;
    let workers: InternalPortWorkers | undefined;
    try {
      const info = device.info();
      driverMtu = info.mtu;
      // As listTapAdapters() shows it, from what the device said when the port opened it.
      adapter = adapterInfo({ ...record, openError: 0, ...info });
      if (options.mtu !== undefined && options.mtu > driverMtu) {
        throw new OptionError(
          "INVALID_OPTION",
          WHERE,
          "mtu",
          options.mtu,
          `at most the driver's MTU, ${driverMtu}`,
          "the driver drops frames longer than its own MTU + 18 (its registry value MTU, B.5)",
        );
      }
      const { local, network, netmask } = plan.tun;
      callNative(() => device.configureTun(local, network, netmask));
      callNative(() => device.setMediaStatus(true));
      if (plan.configuration !== undefined) {
        if (record.luid === undefined) {
          throw new TapError(TapErrorCode.NOT_FOUND, WHERE, `${guid} has no network interface`);
        }
        applied = await internalConfigureInterface(record.luid, plan.configuration);
      }
      session = new WinTunSession({ native: device, sessionEnded: () => {} }, sessionOptions);
      workers = TapPort.startWorkers(session, workerOptions, driverMtu);
    } catch (error) {
      undo();
      throw error;
    }
    const opened = session;
    return TapPort.assemble(
      () =>
        new TapPort(
          library,
          adapter,
          device,
          applied,
          opened,
          driverMtu,
          workers ??
            (options.packetReceiverFactory as PacketReceiverFactory<TapTransmitter, TReceiver>),
        ),
      undo,
      workers,
      options.control === true,
    );
  }

  protected get adapterName(): string {
    return this.adapter.name;
  }

  // The driver keeps no counters our port could add to its own; the interface's are the OS's.
  protected interfaceStatistics(): WinTunInterfaceStatistics | undefined {
    return undefined;
  }

  // After the session ended (its reads and writes cancelled and waited for, the handle closed,
  // which resets the driver's TUN mode and media status, B.7): the addresses we added go too. An
  // adapter removed under the port took them with it; any other failure is reported.
  protected closeAdapter(): void {
    this.#device.close();
    const applied = this.#applied;
    this.#applied = undefined;
    const luid = this.adapter.luid;
    if (applied === undefined || luid === undefined) return;
    try {
      internalRemoveInterfaceConfiguration(luid, applied);
    } catch (error) {
      if (this.#adapterStillListed()) this.report(error);
    }
  }

  #adapterStillListed(): boolean {
    try {
      return this.#library.listAdapters().some((record) => record.guid === this.adapter.guid);
    } catch {
      return false;
    }
  }
}

const WHERE = "TapPort.create";
const TAP_PORT_OPTION_NAMES: readonly string[] = [
  "adapterName",
  "guid",
  "network",
  "mtu",
  "libraryPath",
  ...INTERNAL_SESSION_PORT_OPTION_NAMES,
];

function checkAdapterChoice(options: { readonly adapterName?: string; readonly guid?: string }): {
  name?: string;
  guid?: string;
} {
  if ((options.adapterName === undefined) === (options.guid === undefined)) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "adapterName",
      options.adapterName,
      "either adapterName or guid",
      "name the adapter by its connection name or by its GUID (listTapAdapters() shows both)",
    );
  }
  return options.guid === undefined
    ? { name: checkAdapterName(WHERE, "adapterName", options.adapterName) }
    : { guid: checkGuid(WHERE, "guid", options.guid) };
}

// Undoing a create that failed: the create's own error is what the caller needs, so a failure to
// take the addresses back (the adapter went away meanwhile) does not replace it.
function removeQuietly(luid: bigint | undefined, applied: AppliedConfiguration): void {
  if (luid === undefined) return;
  try {
    internalRemoveInterfaceConfiguration(luid, applied);
  } catch {
    // The create's error is thrown instead; see above.
  }
}
