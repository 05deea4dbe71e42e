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
import { translateNativeError, WinTunError } from "./wintun-error.js";
import { type WinTunDriverVersion, WinTunLibrary } from "./wintun-library.js";

export interface CreateAdapterOptions {
  /** The adapter's name (at most 127 UTF-16 code units); on Linux also its interface name when valid. */
  readonly name: string;
  /** Shown as "<tunnelType> Tunnel" in the device description (at most 128 code units). */
  readonly tunnelType: string;
  /** A fixed GUID keeps the network identity (firewall profile, DNS settings) stable across runs. */
  readonly guid?: string;
  /** The wintun library to use; see WinTunLibrary.load. */
  readonly libraryPath?: string;
}

export interface OpenAdapterOptions {
  readonly libraryPath?: string;
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
  /** The NET_LUID, the key of every IP Helper call: (IfType 53 << 48) | (NetLuidIndex << 24). */
  readonly luid: bigint;
  /** @internal */
  readonly native: NativeAdapter;
  #session: WinTunSession | undefined;
  #closed = false;

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
  }

  /**
   * Creates an adapter (wintun renames an existing interface of the same name rather than fail).
   * Throws WinTunError: ERROR_ACCESS_DENIED (5) without Administrator rights (root or CAP_NET_ADMIN
   * on Linux), ERROR_BUFFER_OVERFLOW (111) for a name that is too long, or a load error.
   */
  static async create(options: CreateAdapterOptions): Promise<WinTunAdapter> {
    const library = WinTunLibrary.load(options.libraryPath);
    const guid = options.guid === undefined ? null : guidBytes(options.guid);
    try {
      const native = await library.native.createAdapter(options.name, options.tunnelType, guid);
      return new WinTunAdapter(options.name, true, library, native);
    } catch (error) {
      throw translateNativeError(error, library.path);
    }
  }

  /** Opens an existing adapter by name (case-insensitive). ERROR_NOT_FOUND (1168) when there is none. */
  static async open(name: string, options: OpenAdapterOptions = {}): Promise<WinTunAdapter> {
    const library = WinTunLibrary.load(options.libraryPath);
    try {
      const native = await library.native.openAdapter(name);
      return new WinTunAdapter(name, false, library, native);
    } catch (error) {
      throw translateNativeError(error, library.path);
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
