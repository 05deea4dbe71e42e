import { checkOptionNames, OptionError, stringOption } from "@magma/transport";
import { withAdapterNameLock } from "./adapter-name-lock.js";
import {
  type AdapterConfiguration,
  type AppliedConfiguration,
  type ConfigureOptions,
  configureAdapter,
  removeConfiguration,
} from "./configuration/configure-adapter.js";
import { NativeIpConfiguration } from "./configuration/native-ip-configuration.js";
import { guidBytes } from "./guid.js";
import { type NativeAdapter, nativeAddon } from "./native-addon.js";
import { WinTunSession, type WinTunSessionOptions } from "./session/wintun-session.js";
import { Win32Error } from "./win32-error-names.js";
import { translateNativeError, WinTunError } from "./wintun-error.js";
import { type WinTunDriverVersion, WinTunLibrary } from "./wintun-library.js";

export interface CreateAdapterOptions {
  /**
   * The adapter's name, what `open` finds it by (ignoring case): 1 to 127 UTF-16 code units
   * (wintun's limit), without control characters or any of `\ / : * ? " < > |` (which Windows
   * refuses in a connection name). It becomes the interface alias on Windows; on Linux see
   * `interfaceName`.
   */
  readonly name: string;
  /** Shown as "<tunnelType> Tunnel" in the device description: at most 128 code units. Default "Magma". */
  readonly tunnelType?: string;
  /** A fixed GUID keeps the network identity (firewall profile, DNS settings) stable across runs. */
  readonly guid?: string;
  /** The wintun library to use; see WinTunLibrary.load. */
  readonly libraryPath?: string;
}

export interface OpenAdapterOptions {
  readonly libraryPath?: string;
}

/**
 * The interface's own counters, as the operating system keeps them (GetIfEntry2 on Windows, the
 * kernel's link statistics on Linux): packets lost before they reach the session show here, not
 * in the session's statistics. `rx` and `tx` are the interface's view, as in `ip -s link` and
 * `Get-NetAdapterStatistics`: rx is what the system received through the adapter (what this
 * application sent), tx what the system sent into it (toward this application).
 */
export interface WinTunInterfaceStatistics {
  /** Packets the system received from the application (Windows: InUcastPkts + InNUcastPkts). */
  readonly rxPackets: number;
  /** Their bytes (InOctets). */
  readonly rxBytes: number;
  /**
   * Packets from the application the adapter discarded (InDiscards: wintun.sys discards what is
   * not IPv4 or IPv6; Linux: rx_dropped, the kernel could not take a packet written to the TUN).
   */
  readonly rxDropped: number;
  /** Packets from the application in error (InErrors; Linux: rx_errors). */
  readonly rxErrors: number;
  /** Packets placed in the session's ring for the application (OutUcastPkts + OutNUcastPkts). */
  readonly txPackets: number;
  /** Their bytes (OutOctets). */
  readonly txBytes: number;
  /**
   * Packets toward the application lost before its ring: the ring was full (a slow receiver) or no
   * session ran (Windows: OutDiscards, counted by wintun.sys). On Linux: the kernel's tx_dropped
   * (the TUN queue was full) plus what the emulated driver dropped for a full ring, which only the
   * process running the session knows.
   */
  readonly txDropped: number;
  /** Packets toward the application in error (OutErrors: above 65535 bytes; Linux: tx_errors). */
  readonly txErrors: number;
}

/**
 * A wintun adapter. One created here is removed when closed; one opened by name stays. Closing
 * ends the adapter's session first (wintun's required order) and is idempotent.
 */
export class WinTunAdapter {
  readonly name: string;
  /** True when this handle created the adapter (closing it removes the adapter). */
  readonly created: boolean;
  readonly library: WinTunLibrary;
  /**
   * The NET_LUID, the key of every IP Helper call: (IfType 53 << 48) | (NetLuidIndex << 24), as
   * an unsigned 64-bit bigint (`Get-NetAdapter | Select NetLuid`). The emulator puts the Linux
   * ifindex in NetLuidIndex.
   */
  readonly luid: bigint;
  /** The interface index: IfIndex on Windows (`Get-NetAdapter -InterfaceIndex`), the ifindex on Linux. */
  readonly interfaceIndex: number;
  /** @internal */
  readonly native: NativeAdapter;
  #session: WinTunSession | undefined;
  #closed = false;
  #interfaceName: string;

  private constructor(
    name: string,
    created: boolean,
    library: WinTunLibrary,
    native: NativeAdapter,
  ) {
    this.name = name;
    this.created = created;
    this.library = library;
    this.native = native;
    this.luid = native.luid();
    this.interfaceIndex = native.interfaceIndex();
    this.#interfaceName = native.interfaceName();
  }

  /**
   * Creates an adapter (wintun renames an existing adapter of the same name "<name> 1" rather
   * than fail). Throws OptionError for a bad option, before any system call; WinTunError:
   * ERROR_ACCESS_DENIED (5) without Administrator rights (root or CAP_NET_ADMIN on Linux), or a
   * load error.
   */
  static async create(options: CreateAdapterOptions): Promise<WinTunAdapter> {
    const where = "WinTunAdapter.create";
    const checked = checkCreateOptions(where, options);
    const library = WinTunLibrary.load(checked.libraryPath);
    try {
      const native = await library.native.createAdapter(
        checked.name,
        checked.tunnelType,
        checked.guid,
      );
      return WinTunAdapter.#adopt(checked.name, true, library, native);
    } catch (error) {
      throw translateNativeError(error, library.path);
    }
  }

  /**
   * Opens an existing adapter by name (ignoring case), created by this or another process.
   * ERROR_NOT_FOUND (1168) when there is none; OptionError for a name wintun would refuse.
   */
  static async open(name: string, options?: OpenAdapterOptions): Promise<WinTunAdapter> {
    const where = "WinTunAdapter.open";
    checkAdapterName(where, "name", name);
    checkOptionNames(where, options, ["libraryPath"]);
    const library = WinTunLibrary.load(checkLibraryPath(where, options?.libraryPath));
    try {
      const native = await library.native.openAdapter(name);
      return WinTunAdapter.#adopt(name, false, library, native);
    } catch (error) {
      throw translateNativeError(error, library.path);
    }
  }

  /**
   * Opens the adapter named `options.name`, or creates it when there is none, atomically: callers
   * with the same name (ignoring case) take turns, in this process and across processes, so
   * concurrent callers end with one adapter, which one of them created (`created`) and the others
   * opened. The other options apply only to a created adapter. Throws as `open` and `create` do,
   * and WAIT_TIMEOUT (258) when another process keeps the name busy for two minutes.
   *
   * `prepare`, when given, runs on the adapter before the next caller goes on. Starting the
   * session there makes the caller that created the adapter the one whose session runs, and the
   * others get ERROR_ALREADY_INITIALIZED; started afterwards, an opener could start its session
   * first, and the creator, failing, would remove the adapter under it. If `prepare` throws, the
   * adapter is closed (removed, if created) and the error rethrown.
   */
  static async openOrCreate(
    options: CreateAdapterOptions,
    prepare?: (adapter: WinTunAdapter) => void,
  ): Promise<WinTunAdapter> {
    const where = "WinTunAdapter.openOrCreate";
    const checked = checkCreateOptions(where, options);
    if (prepare !== undefined && typeof prepare !== "function") {
      throw new OptionError("INVALID_OPTION", where, "prepare", prepare, "a function");
    }
    return withAdapterNameLock(where, checked.name, async () => {
      const adapter = await WinTunAdapter.#openOrCreateUnlocked(options, checked);
      try {
        prepare?.(adapter);
      } catch (error) {
        adapter.close();
        throw error;
      }
      return adapter;
    });
  }

  static async #openOrCreateUnlocked(
    options: CreateAdapterOptions,
    checked: CheckedCreateOptions,
  ): Promise<WinTunAdapter> {
    try {
      return await WinTunAdapter.open(
        checked.name,
        checked.libraryPath === undefined ? {} : { libraryPath: checked.libraryPath },
      );
    } catch (error) {
      if (!(error instanceof WinTunError) || error.code !== Win32Error.NOT_FOUND) throw error;
    }
    return WinTunAdapter.create(options);
  }

  // A handle that cannot be wrapped (its interface vanished in between) is closed, not leaked.
  static #adopt(
    name: string,
    created: boolean,
    library: WinTunLibrary,
    native: NativeAdapter,
  ): WinTunAdapter {
    try {
      return new WinTunAdapter(name, created, library, native);
    } catch (error) {
      native.close();
      throw error;
    }
  }

  /** The running driver's version (0.14 for wintun 0.14.x). */
  get driverVersion(): WinTunDriverVersion | undefined {
    return this.library.runningDriverVersion();
  }

  /** The session started through this handle, while it runs. */
  get session(): WinTunSession | undefined {
    return this.#session;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /**
   * The interface's name as the system shows it: on Windows the interface alias
   * (`Get-NetAdapter -Name`), read afresh each time since it changes when wintun renames the
   * adapter for a newer one of the same name; on Linux the interface name (`ip link show`),
   * which is `name` itself when that is 1 to 15 of [A-Za-z0-9_.-], else derived from it: up to 10
   * characters of it with every other character replaced by '-', then '-' and four hex digits of
   * a hash of the whole name ("Magma TAP" becomes "Magma-TAP-xxxx"); "-1", "-2"... follow when
   * another interface has that name. Linux keeps the whole name in the interface's alias. After
   * `close`, the last name read.
   */
  get interfaceName(): string {
    if (this.#closed) return this.#interfaceName;
    try {
      this.#interfaceName = this.native.interfaceName();
    } catch (error) {
      throw translateNativeError(error, this.library.path);
    }
    return this.#interfaceName;
  }

  /**
   * The interface's own counters, read from the system in one call (see
   * `WinTunInterfaceStatistics`): where a slow receiver's losses show. Throws WinTunError
   * ERROR_INVALID_HANDLE (6) once closed, ERROR_FILE_NOT_FOUND (2) when the interface is gone.
   */
  interfaceStatistics(): WinTunInterfaceStatistics {
    if (this.#closed) {
      throw new WinTunError(6, "interfaceStatistics", `adapter ${this.name} is closed`, {
        hint: "read the statistics before closing the adapter",
      });
    }
    try {
      return this.native.interfaceStatistics();
    } catch (error) {
      throw translateNativeError(error, this.library.path);
    }
  }

  /**
   * Starts the adapter's session (one per adapter, across processes). The capacity is checked first:
   * ERROR_INVALID_PARAMETER (87) unless a power of two from 0x20000 to 0x4000000. A second session
   * gives ERROR_ALREADY_INITIALIZED (1247).
   */
  startSession(options: WinTunSessionOptions = {}): WinTunSession {
    if (this.#closed) {
      throw new WinTunError(6, "WintunStartSession", `adapter ${this.name} is closed`, {
        hint: "open or create the adapter again",
      });
    }
    const session = new WinTunSession(
      { native: this.native, sessionEnded: (ended) => this.#sessionEnded(ended) },
      options,
    );
    this.#session ??= session;
    return session;
  }

  /**
   * Gives the adapter addresses, routes and an MTU, keyed by its LUID: IP Helper on Windows
   * (never netsh), rtnetlink on Linux. The whole configuration is checked before any change;
   * what already exists counts as done; on a failure the changes made so far are undone and an
   * `IpHelperError` says which call failed and why. Returns what was applied, for
   * `removeConfiguration`.
   */
  configure(
    configuration: AdapterConfiguration,
    options: ConfigureOptions = {},
  ): Promise<AppliedConfiguration> {
    if (this.#closed) {
      return Promise.reject(
        new WinTunError(6, "configure", `adapter ${this.name} is closed`, {
          hint: "configure an open adapter",
        }),
      );
    }
    return configureAdapter(this.#ipConfiguration(), this.luid, configuration, options);
  }

  /** Removes the addresses and routes `configure` added (not those that were there before). */
  removeConfiguration(applied: AppliedConfiguration): void {
    removeConfiguration(this.#ipConfiguration(), this.luid, applied);
  }

  #ipConfiguration(): NativeIpConfiguration {
    return new NativeIpConfiguration(nativeAddon());
  }

  /** Ends the session, then closes the handle (removing the adapter if this handle created it). */
  close(): void {
    if (this.#closed) return;
    this.#session?.close();
    this.#closed = true;
    this.native.close();
  }

  #sessionEnded(session: WinTunSession): void {
    if (this.#session === session) this.#session = undefined;
  }
}

const MAX_NAME_UNITS = 127; // wintun: MAX_ADAPTER_NAME - 1, longer fails with ERROR_BUFFER_OVERFLOW
const MAX_TUNNEL_TYPE_UNITS = 128; // wintun formats "<tunnelType> Tunnel" into 136 code units
const NAME_RULE =
  'a string of 1 to 127 UTF-16 code units without control characters or any of \\ / : * ? " < > |';
const FORBIDDEN_IN_NAMES = new Set(["\\", "/", ":", "*", "?", '"', "<", ">", "|"]);

interface CheckedCreateOptions {
  readonly name: string;
  readonly tunnelType: string;
  readonly guid: Uint8Array | null;
  readonly libraryPath: string | undefined;
}

function checkCreateOptions(where: string, options: unknown): CheckedCreateOptions {
  if (options === undefined) {
    throw new OptionError("INVALID_OPTION", where, "options", options, "an object with a name");
  }
  checkOptionNames(where, options, ["name", "tunnelType", "guid", "libraryPath"]);
  const given = options as Partial<Record<keyof CreateAdapterOptions, unknown>>;
  return {
    name: checkAdapterName(where, "name", given.name),
    tunnelType: checkTunnelType(where, given.tunnelType),
    guid: checkGuid(where, given.guid),
    libraryPath: checkLibraryPath(where, given.libraryPath),
  };
}

/**
 * A name wintun accepts on every platform. Longer than 127 code units wintun.dll refuses with
 * ERROR_BUFFER_OVERFLOW (and only after making the device); a NUL would cut the name short; an
 * unpaired surrogate is no text; control characters and \ / : * ? " < > | are what Windows
 * refuses in a connection name.
 */
function checkAdapterName(where: string, option: string, value: unknown): string {
  if (typeof value !== "string" || !isAdapterName(value)) {
    throw new OptionError("INVALID_OPTION", where, option, value, NAME_RULE);
  }
  return value;
}

function isAdapterName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_UNITS) return false;
  for (let i = 0; i < name.length; i++) {
    const unit = name.charCodeAt(i);
    if (unit < 0x20 || unit === 0x7f || FORBIDDEN_IN_NAMES.has(name.charAt(i))) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = name.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return false;
    }
  }
  return true;
}

function checkTunnelType(where: string, value: unknown): string {
  if (value === undefined) return "Magma";
  if (typeof value === "string" && value.length <= MAX_TUNNEL_TYPE_UNITS && !value.includes("\0")) {
    return value;
  }
  throw new OptionError(
    "INVALID_OPTION",
    where,
    "tunnelType",
    value,
    "a string of at most 128 UTF-16 code units without NUL",
  );
}

function checkGuid(where: string, value: unknown): Uint8Array | null {
  if (value === undefined) return null;
  if (typeof value === "string") {
    try {
      return guidBytes(value);
    } catch {
      // refused below
    }
  }
  throw new OptionError(
    "INVALID_OPTION",
    where,
    "guid",
    value,
    'a GUID string such as "deadbabe-cafe-beef-0123-456789abcdef" (braces optional)',
  );
}

function checkLibraryPath(where: string, value: unknown): string | undefined {
  return stringOption(where, "libraryPath", value, false);
}
