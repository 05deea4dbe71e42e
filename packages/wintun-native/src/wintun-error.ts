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

const isWindows = process.platform === "win32";

function libraryHint(libraryPath: string | undefined): string {
  const looked =
    libraryPath === undefined || libraryPath === "" ? "" : `looked for ${libraryPath}; `;
  return isWindows
    ? `${looked}put wintun.dll (0.14 or later, matching this process's architecture) next to the application or in System32, or pass libraryPath / set MAGMA_WINTUN_DLL`
    : `${looked}build the emulator with \`pnpm --filter @magma/wintun-emu build\`, or pass libraryPath / set MAGMA_WINTUN_LIBRARY to a libwintun.so`;
}

function hintFor(code: number, call: string, libraryPath: string | undefined): string | undefined {
  switch (code) {
    case Win32Error.ACCESS_DENIED:
      return isWindows
        ? "run as Administrator (an elevated process or SYSTEM)"
        : "run as root or with CAP_NET_ADMIN";
    case Win32Error.MOD_NOT_FOUND:
      return libraryHint(libraryPath);
    case Win32Error.BAD_EXE_FORMAT:
      return `the library is built for another architecture than this ${process.arch} process: use the ${process.arch === "x64" ? "amd64" : process.arch} build. ${libraryHint(libraryPath)}`;
    case Win32Error.PROC_NOT_FOUND:
      return "this is not a wintun 0.14 library (wintun 0.13 and older lack these exports): use wintun 0.14.1";
    case Win32Error.NOT_FOUND:
      return "no wintun adapter has that name: create it with WinTunAdapter.create()";
    case Win32Error.ALREADY_INITIALIZED:
      return "another session (in this or another process) already owns this adapter: end it first, one session per adapter";
    case Win32Error.INVALID_PARAMETER:
      return call === "WintunStartSession"
        ? "the ring capacity must be a power of two from 0x20000 (128 KiB) to 0x4000000 (64 MiB)"
        : undefined;
    case Win32Error.BUFFER_OVERFLOW:
      return call === "WintunCreateAdapter"
        ? "the name must be at most 127 and the tunnel type at most 128 UTF-16 code units"
        : undefined;
    case Win32Error.FILE_NOT_FOUND:
      return call === "WintunGetRunningDriverVersion"
        ? "the driver is loaded only while an adapter exists"
        : undefined;
    case Win32Error.HANDLE_EOF:
      return "the adapter was removed or the session was ended by the driver";
    case Win32Error.INVALID_DATA:
      return "the driver's ring is corrupt (a known wintun 0.14.1 defect under heavy load): start a new session";
    default:
      return undefined;
  }
}

/** The shape of the errors the addon throws (native/src/binding/win32_error.h). */
interface NativeWin32Failure {
  readonly win32Code: number;
  readonly call: string;
  readonly detail?: string;
}

function isNativeWin32Failure(error: unknown): error is NativeWin32Failure {
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
