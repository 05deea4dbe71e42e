import {
  ControlError,
  IpConfigurationError,
  IpHelperError,
  MagmaError,
  OptionError,
  Win32Error,
  WinTunError,
} from "@magma/wintun-native";
import { CommandError } from "./command-error.js";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";

/** An error as `magma` reports it: on stderr for people, as `{ "error": … }` with --json. */
export interface ErrorReport {
  /** The error's class: "WinTunError", "CommandError", "IpConfigurationError"… */
  readonly kind: string;
  /** Its code: a Win32 symbol ("ERROR_ACCESS_DENIED") or the class's symbolic code. */
  readonly code: string;
  readonly message: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCodeValue;
}

// The library's failures of loading wintun: missing, of another architecture, not wintun 0.14.
const LIBRARY_CODES: ReadonlySet<number> = new Set([
  Win32Error.MOD_NOT_FOUND,
  Win32Error.BAD_EXE_FORMAT,
  Win32Error.PROC_NOT_FOUND,
]);

function winTunExitCode(error: WinTunError): ExitCodeValue {
  if (error.code === Win32Error.ACCESS_DENIED) return ExitCode.ACCESS_DENIED;
  if (error.code === Win32Error.NOT_FOUND) return ExitCode.NOT_FOUND;
  if (LIBRARY_CODES.has(error.code)) return ExitCode.LIBRARY;
  return ExitCode.FAILURE;
}

/** The exit code that says what failed (ExitCode), and the error as the command reports it. */
export function reportError(error: unknown): ErrorReport {
  if (error instanceof CommandError) {
    return report(error, error.code, error.exitCode);
  }
  if (error instanceof WinTunError) {
    return report(error, error.symbol, winTunExitCode(error));
  }
  if (error instanceof ControlError) {
    return report(error, error.remoteCode ?? error.code, controlExitCode(error));
  }
  if (error instanceof IpHelperError) {
    return report(error, error.symbol, ipHelperExitCode(error));
  }
  if (error instanceof IpConfigurationError || error instanceof OptionError) {
    return report(error, String(error.code), ExitCode.CONFIGURATION);
  }
  if (error instanceof MagmaError) {
    return report(error, String(error.code), ExitCode.FAILURE);
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    kind: "Error",
    code: "UNEXPECTED",
    message,
    hint: undefined,
    exitCode: ExitCode.FAILURE,
  };
}

function report(error: MagmaError<string | number>, code: string, exitCode: ExitCodeValue) {
  // MagmaError appends the hint to the message; the report keeps them apart.
  const suffix = error.hint === undefined ? "" : ` (${error.hint})`;
  const message =
    suffix !== "" && error.message.endsWith(suffix)
      ? error.message.slice(0, -suffix.length)
      : error.message;
  return { kind: error.name, code, message, hint: error.hint, exitCode };
}

function ipHelperExitCode(error: IpHelperError): ExitCodeValue {
  if (error.code === Win32Error.ACCESS_DENIED) return ExitCode.ACCESS_DENIED;
  // No service to take the setting: DNS without systemd-resolved, or before Windows 10 2004.
  if (error.code === Win32Error.NOT_SUPPORTED || error.code === Win32Error.PROC_NOT_FOUND) {
    return ExitCode.UNSUPPORTED;
  }
  return ExitCode.CONFIGURATION;
}

function controlExitCode(error: ControlError): ExitCodeValue {
  if (error.code === "NO_ENDPOINT") return ExitCode.NO_CONTROL_ENDPOINT;
  if (error.code === "ACCESS_DENIED") return ExitCode.ACCESS_DENIED;
  return ExitCode.FAILURE;
}
