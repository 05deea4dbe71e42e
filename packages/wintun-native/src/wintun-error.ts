import { MagmaError } from "@magma/transport";
import { Win32Error, win32ErrorName } from "./win32-error-names.js";

/** What a WinTunError says about where it happened, beyond the code. */
export interface WinTunErrorContext {
  /** The library involved, when loading or calling it failed. */
  readonly libraryPath?: string;
  /** Extra text from the loader or the system. */
  readonly detail?: string;
}

/**
 * A wintun call that failed. `code` is the Win32 error code (5), `symbol` its symbolic name
 * ("ERROR_ACCESS_DENIED"), `call` the function that failed ("WintunCreateAdapter"), and `hint` what
 * a person can do about it.
 */
export class WinTunError extends MagmaError<number> {
  override readonly name = "WinTunError";
  /** The symbolic name of `code`, e.g. "ERROR_ACCESS_DENIED". */
  readonly symbol: string;
  readonly call: string;
  readonly libraryPath: string | undefined;

  constructor(
    code: number,
    call: string,
    message: string,
    options?: { hint?: string; cause?: unknown; libraryPath?: string },
  ) {
    super(code, message, options);
    this.symbol = win32ErrorName(code);
    this.call = call;
    this.libraryPath = options?.libraryPath;
  }

  /** An error for `code` from `call`, with the standard message and hint. */
  static fromCode(code: number, call: string, context: WinTunErrorContext = {}): WinTunError {
    const where = context.libraryPath === undefined ? "" : ` (library: ${context.libraryPath})`;
    const detail = context.detail ? `: ${context.detail}` : "";
    const hint = hintFor(code, call, context.libraryPath);
    return new WinTunError(
      code,
      call,
      `${call} failed with ${win32ErrorName(code)} (${code})${detail}${where}`,
      {
        ...(hint === undefined ? {} : { hint }),
        ...(context.libraryPath === undefined ? {} : { libraryPath: context.libraryPath }),
      },
    );
  }
}

// Read at each call, not once at load: the hint describes the platform the error happened on.
function onWindows(): boolean {
  return process.platform === "win32";
}

const LOADER_CALLS: ReadonlySet<string> = new Set([
  "LoadLibraryExW",
  "dlopen",
  "GetProcAddress",
  "dlsym",
]);

function libraryHint(libraryPath: string | undefined): string {
  const looked =
    libraryPath === undefined || libraryPath === "" ? "" : `looked for ${libraryPath}; `;
  return onWindows()
    ? `${looked}put wintun.dll (0.14 or later, matching this process's architecture) next to the application or in System32, or pass libraryPath / set MAGMA_WINTUN_DLL`
    : `${looked}install @magma/wintun-linux (npm install @magma/wintun-linux; linux-x64 and linux-arm64), or pass libraryPath / set MAGMA_WINTUN_LIBRARY to a libwintun.so`;
}

/** wintun logs each step of these calls, the failing one included. */
const LOGGED_CALLS: ReadonlySet<string> = new Set([
  "WintunCreateAdapter",
  "WintunOpenAdapter",
  "WintunStartSession",
  "WintunDeleteDriver",
  "WintunGetRunningDriverVersion",
]);

const LOG_HINT = "wintun's log names the step that failed: call library.setLogger(console) first";

/** For a code without advice of its own: where to look, when there is somewhere to look. */
function otherwise(call: string, libraryPath: string | undefined): string | undefined {
  if (LOADER_CALLS.has(call)) return libraryHint(libraryPath);
  return LOGGED_CALLS.has(call) ? LOG_HINT : undefined;
}

function adapterRemovedHint(): string {
  const how = onWindows()
    ? "closed by the process that created it, or disabled or removed in Device Manager"
    : "closed by the process that created it, or deleted with `ip link del`";
  return `the adapter went away (${how}), which ends its session: open or create the adapter again and start a new session`;
}

function hintFor(code: number, call: string, libraryPath: string | undefined): string | undefined {
  switch (code) {
    case Win32Error.ACCESS_DENIED:
      return onWindows()
        ? "run as Administrator (an elevated process or SYSTEM)"
        : "run as root or with CAP_NET_ADMIN";
    case Win32Error.MOD_NOT_FOUND:
      return libraryHint(libraryPath);
    case Win32Error.BAD_EXE_FORMAT:
      return `the library is built for another architecture than this ${process.arch} process: use the ${process.arch === "x64" ? "amd64" : process.arch} build. ${libraryHint(libraryPath)}`;
    case Win32Error.PROC_NOT_FOUND:
      return "this is not a wintun 0.14 library (wintun 0.13 and older lack these exports): use wintun 0.14.1";
    case Win32Error.DLL_INIT_FAILED:
      return "wintun.dll was found but its initialisation failed, which happens when the system is short of memory: retry, and check that the file is an unmodified wintun 0.14.1";
    case Win32Error.INVALID_HANDLE:
      return onWindows()
        ? "an adapter or session handle was used after it was closed (or a session's read event after the session ended): close a session only once nothing uses it, and open the adapter again"
        : "an adapter or session handle was NULL or already closed when the call ran: close a session only once nothing uses it, and open the adapter again; WINTUN_EMU_STRICT=1 makes the emulator abort at the misuse, naming the call";
    case Win32Error.NOT_FOUND:
      return call === "WintunOpenAdapter"
        ? "no wintun adapter has that name: create it with WinTunAdapter.create()"
        : otherwise(call, libraryPath);
    case Win32Error.ALREADY_INITIALIZED:
      return "another session (in this or another process) already owns this adapter: end it first, one session per adapter";
    case Win32Error.INVALID_PARAMETER:
      return call === "WintunStartSession"
        ? "the ring capacity must be a power of two from 0x20000 (128 KiB) to 0x4000000 (64 MiB)"
        : otherwise(call, libraryPath);
    case Win32Error.BUFFER_OVERFLOW:
      if (call === "WintunCreateAdapter")
        return "the name must be at most 127 and the tunnel type at most 128 UTF-16 code units";
      if (call === "WintunAllocateSendPacket")
        return "the send ring is full: the driver takes packets more slowly than they are sent; send again later (wintun has no signal for free space), or start the session with a larger capacity";
      return otherwise(call, libraryPath);
    case Win32Error.FILE_NOT_FOUND:
      if (call === "WintunGetRunningDriverVersion")
        return "the driver is loaded only while an adapter exists";
      if (call === "WintunStartSession")
        return "the adapter is gone (removed since it was opened): open or create it again";
      return otherwise(call, libraryPath);
    case Win32Error.HANDLE_EOF:
      return call === "WintunAllocateSendPacket"
        ? "the driver stopped taking packets from the send ring: the adapter is being removed, or the driver found the ring corrupt (a packet above 65535 bytes); start a new session, after opening or creating the adapter again if it is gone"
        : adapterRemovedHint();
    case Win32Error.INVALID_DATA:
      return call === "WintunReceivePacket"
        ? "the driver's ring is corrupt (a known wintun 0.14.1 defect under heavy load): start a new session"
        : otherwise(call, libraryPath);
    case Win32Error.DEVICE_NOT_AVAILABLE:
      if (!onWindows())
        return "the emulator could not set up or attach the TUN interface: check that /dev/net/tun exists (modprobe tun) and that the interface was not deleted meanwhile";
      return call === "WintunOpenAdapter"
        ? "the adapter exists but its network interface is not present: it is disabled (enable it in Network Connections) or being removed"
        : "the adapter's device was made but its network interface did not come up (the device reports a problem, or was disabled or removed meanwhile): look at it in Device Manager, then retry";
    case Win32Error.WAIT_TIMEOUT:
      return "the adapter's network interface did not come up within wintun's 15 s: Windows may still be installing or starting the driver; retry, and look at the adapter in Device Manager if it persists";
    case Win32Error.GEN_FAILURE:
      return call === "WintunStartSession"
        ? "the driver refused the session without a more precise code (it could not start its thread, or the adapter is halting): retry, and restart Windows if it persists"
        : `a Plug and Play query or wintun's installation lock failed without a more precise code: retry, and restart Windows if it persists; ${LOG_HINT}`;
    case Win32Error.ALREADY_EXISTS:
      if (!onWindows() && (call === "WintunCreateAdapter" || call === "WintunOpenAdapter"))
        return "a network interface of that name exists that wintun did not create (a persistent TUN or TAP from `ip tuntap add`, another program's device), and it is left untouched: choose another adapter name, or delete that interface if it is yours (`ip link del`)";
      return call === "WintunCreateAdapter"
        ? "another network adapter already uses the requested GUID: pass another guid (or none), or remove the adapter that holds it"
        : otherwise(call, libraryPath);
    case Win32Error.NOT_ENOUGH_MEMORY:
    case Win32Error.OUTOFMEMORY:
    case Win32Error.NO_SYSTEM_RESOURCES:
    case Win32Error.COMMITMENT_LIMIT:
    case Win32Error.INVALID_USER_BUFFER:
      return call === "WintunStartSession"
        ? "not enough memory for the rings (each direction takes the capacity plus 64 KiB, which the driver locks in memory): use a smaller capacity, or free memory"
        : "the system is short of memory: free memory and retry";
    case Win32Error.INF_IN_USE_BY_DEVICES:
      return "adapters still use the driver: close every wintun adapter (in every process) before deleting the driver";
    default:
      return otherwise(call, libraryPath);
  }
}

/** The shape of the errors the addon throws (native/src/binding/win32_error.h). */
export interface NativeWin32Failure {
  readonly win32Code: number;
  readonly call: string;
  readonly detail?: string;
}

export function isNativeWin32Failure(error: unknown): error is NativeWin32Failure {
  return (
    typeof error === "object" &&
    error !== null &&
    typeof (error as { win32Code?: unknown }).win32Code === "number" &&
    typeof (error as { call?: unknown }).call === "string"
  );
}

/** Rethrows an addon failure as a WinTunError; anything else unchanged. */
export function translateNativeError(error: unknown, libraryPath?: string): unknown {
  if (!isNativeWin32Failure(error)) return error;
  return WinTunError.fromCode(error.win32Code, error.call, {
    ...(libraryPath === undefined ? {} : { libraryPath }),
    ...(error.detail ? { detail: error.detail } : {}),
  });
}
