import { resolve as resolvePath } from "node:path";
import { OptionError, stringOption } from "@magma/transport";
import { defaultLibraryPath } from "./library-path.js";
import { type NativeLibrary, nativeAddon } from "./native-addon.js";
import { Win32Error } from "./win32-error-names.js";
import { translateNativeError, WinTunError } from "./wintun-error.js";
import { installLogTarget, type WinTunLogTarget } from "./wintun-logger.js";

/** The version of the running wintun driver (0.14 for wintun 0.14.x). */
export interface WinTunDriverVersion {
  readonly major: number;
  readonly minor: number;
}

const loaded = new Map<string, WinTunLibrary>();
const LOG_METHODS = ["info", "warn", "error"] as const;

/**
 * One loaded wintun library: wintun.dll on Windows, libwintun.so (@magma/wintun-linux) on Linux. All 14
 * exports of wintun 0.14 are resolved when it loads; libraries are never unloaded.
 */
export class WinTunLibrary {
  /** Where the library was loaded from ("" on Windows: wintun.dll from the application directory or System32). */
  readonly path: string;
  /** @internal */
  readonly native: NativeLibrary;

  private constructor(path: string, native: NativeLibrary) {
    this.path = path;
    this.native = native;
  }

  /**
   * Loads the library at `path`, else `MAGMA_WINTUN_DLL` (Windows) / `MAGMA_WINTUN_LIBRARY`, else
   * the default (wintun.dll from the application directory or System32 on Windows; on Linux the
   * library of @magma/wintun-linux, else the Magma repository's emulator build: see
   * defaultLibraryPath). Throws WinTunError: ERROR_MOD_NOT_FOUND (126) when it is missing, ERROR_BAD_EXE_FORMAT (193) for another architecture, ERROR_PROC_NOT_FOUND (127) for a
   * library without the 0.14 exports.
   */
  static load(path?: string): WinTunLibrary {
    stringOption("WinTunLibrary.load", "path", path, false);
    const named = path ?? defaultLibraryPath();
    // An explicit path is made absolute: Windows' restricted search (the DLL's own directory for
    // its dependencies) refuses relative paths, and one spelling keeps the cache to one entry.
    const resolved = named === "" ? named : resolvePath(named);
    const cached = loaded.get(resolved);
    if (cached !== undefined) return cached;
    let native: NativeLibrary;
    try {
      native = nativeAddon().loadLibrary(resolved);
    } catch (error) {
      throw translateNativeError(
        error,
        resolved === "" ? "wintun.dll (application directory, System32)" : resolved,
      );
    }
    const library = new WinTunLibrary(resolved, native);
    loaded.set(resolved, library);
    return library;
  }

  /** The running driver's version, or undefined when no driver is loaded (no adapter exists). */
  runningDriverVersion(): WinTunDriverVersion | undefined {
    let version: number;
    try {
      version = this.native.runningDriverVersion();
    } catch (error) {
      const translated = translateNativeError(error, this.path);
      if (translated instanceof WinTunError && translated.code === Win32Error.FILE_NOT_FOUND)
        return undefined;
      throw translated;
    }
    return { major: (version >>> 16) & 0xffff, minor: version & 0xffff };
  }

  /** Removes the wintun driver from the system (an uninstaller's last step; fails while adapters exist). */
  deleteDriver(): void {
    try {
      this.native.deleteDriver();
    } catch (error) {
      throw translateNativeError(error, this.path);
    }
  }

  /**
   * Sends wintun's log messages to `logger` (`console` works), or stops with `undefined`. One
   * destination per process: the last call wins for every loaded library.
   */
  setLogger(logger: WinTunLogTarget | undefined): void {
    const consoleLike =
      typeof logger === "object" &&
      logger !== null &&
      LOG_METHODS.every((method) => typeof logger[method] === "function");
    if (logger !== undefined && typeof logger !== "function" && !consoleLike) {
      throw new OptionError(
        "INVALID_OPTION",
        "library.setLogger",
        "logger",
        logger,
        "a function taking log entries, an object with info, warn and error methods (console), or undefined",
      );
    }
    installLogTarget(logger);
    this.native.setLogging(logger !== undefined);
  }
}
