import { MagmaError } from "@magma/transport";
import { internalIsNativeWin32Failure, Win32Error, win32ErrorName } from "@magma/wintun-native";

/** The Win32 codes a TAP call reports that callers test for (winerror.h, reference B.1–B.7). */
export const TapErrorCode = {
  FILE_NOT_FOUND: Win32Error.FILE_NOT_FOUND,
  ACCESS_DENIED: Win32Error.ACCESS_DENIED,
  GEN_FAILURE: Win32Error.GEN_FAILURE,
  NOT_SUPPORTED: Win32Error.NOT_SUPPORTED,
  DUP_NAME: Win32Error.DUP_NAME,
  MOD_NOT_FOUND: Win32Error.MOD_NOT_FOUND,
  PROC_NOT_FOUND: Win32Error.PROC_NOT_FOUND,
  NOT_FOUND: Win32Error.NOT_FOUND,
  /** Made or removed, but Windows must restart to finish (SetupAPI's DI_NEEDREBOOT). */
  SUCCESS_REBOOT_REQUIRED: Win32Error.SUCCESS_REBOOT_REQUIRED,
  /** SetupAPI found no driver for root\tap0901: tap-windows6 is not installed. */
  NO_COMPAT_DRIVERS: Win32Error.NO_COMPAT_DRIVERS,
} as const;

/**
 * A TAP-Windows call that failed. `code` is the Win32 error code (31), `symbol` its name
 * ("ERROR_GEN_FAILURE"), `call` the function that failed ("CreateFileW"), and `hint` the real
 * reason and what to do: not OpenVPN's "all TAP-Windows adapters are in use", which it prints for
 * every failed open (reference B.6.1).
 */
export class TapError extends MagmaError<number> {
  override readonly name = "TapError";
  readonly symbol: string;
  readonly call: string;
  readonly detail: string | undefined;

  constructor(code: number, call: string, detail?: string, options?: { cause?: unknown }) {
    const hint = hintFor(code, call);
    const symbol = win32ErrorName(code);
    super(code, `${call} failed with ${symbol} (${code})${detail ? `: ${detail}` : ""}`, {
      ...(hint === undefined ? {} : { hint }),
      ...(options?.cause === undefined ? {} : { cause: options.cause }),
    });
    this.symbol = symbol;
    this.call = call;
    this.detail = detail || undefined;
  }

  /**
   * The addon's error (it carries `win32Code`, `call` and `detail`) as a TapError, its detail
   * naming `libraryPath` when given; others as they are.
   */
  static fromNative(error: unknown, libraryPath?: string): unknown {
    if (!internalIsNativeWin32Failure(error)) return error;
    const detail =
      libraryPath === undefined ? error.detail : `${error.detail ?? ""} (library: ${libraryPath})`;
    return new TapError(error.win32Code, error.call, detail, { cause: error });
  }
}

/** The device's open (tap_device_binding.cc, tap_device_probe.cc): the call the B.2 and B.1.5 hints are about. */
const OPEN_CALL = "CreateFileW";
/** The call the addon names when the driver's version is refused (tap_device_binding.cc). */
const VERSION_CALL = "DeviceIoControl(TAP_WIN_IOCTL_GET_VERSION)";
const LOADER_CALLS: ReadonlySet<string> = new Set(["dlopen", "dlsym", "loadTapLibrary"]);
/** The call the addon names when netsh would not rename a new adapter (tap_connection_name_windows.cc). */
const RENAME_CALL = "netsh interface set interface";

function hintFor(code: number, call: string): string | undefined {
  if (LOADER_CALLS.has(call)) {
    return call === "loadTapLibrary"
      ? "this build of @magma/wintun-native has no TAP code (a fallback build outside the repository); use a prebuilt platform or build it in the repository"
      : "build the emulator (pnpm --filter @magma/tap-windows-emu build) or pass libraryPath / set MAGMA_TAP_LIBRARY to a libtapwindowsemu.so";
  }
  if (call === RENAME_CALL) {
    // tapctl removes an adapter it could not name; so does createTapAdapter.
    return "Windows would not give the new adapter that name (is another connection named so?); the adapter was removed again";
  }
  if (code === TapErrorCode.NOT_SUPPORTED && call === VERSION_CALL) {
    // OpenVPN refuses the same drivers (tuntap_post_open): older ones lack CONFIG_TUN.
    return "the TAP-Windows driver is older than 9.9: install a current tap-windows6 (OpenVPN's installer ships 9.24 or later)";
  }
  switch (code) {
    case TapErrorCode.FILE_NOT_FOUND:
      // B.1.5: the class key lists disabled and absent adapters; their device does not exist.
      // Registry and SetupAPI calls report a missing key or value with the same code.
      if (call !== OPEN_CALL) return undefined;
      return "the adapter is disabled or absent (a phantom adapter, listed in the registry without a running driver): enable it in Network Connections, or remove it and create a new one; nothing else holds it";
    case TapErrorCode.GEN_FAILURE:
      // B.2: tap0901 allows one handle at a time; a second CreateFileW gets STATUS_UNSUCCESSFUL.
      if (call !== OPEN_CALL) return undefined;
      return "another handle holds the adapter: tap0901 allows one open at a time (OpenVPN, another Magma port, or this process); close that, or use another adapter";
    case TapErrorCode.SUCCESS_REBOOT_REQUIRED:
      return "the change is made, but Windows must restart to finish it (the detail names the adapter)";
    case TapErrorCode.NO_COMPAT_DRIVERS:
      return "the TAP-Windows driver is not installed: install tap-windows6 (OpenVPN's installer ships it) before making adapters";
    case TapErrorCode.ACCESS_DENIED:
      return process.platform === "win32"
        ? "run elevated: changing adapters needs administrator rights"
        : "run as root or with CAP_NET_ADMIN: each emulated adapter is a Linux TAP interface";
    case TapErrorCode.NOT_FOUND:
      return "no TAP adapter has that GUID; listTapAdapters() shows the adapters there are";
    case TapErrorCode.DUP_NAME:
      return "several TAP adapters have that name; pass the GUID instead (listTapAdapters() shows them)";
    default:
      return undefined;
  }
}
