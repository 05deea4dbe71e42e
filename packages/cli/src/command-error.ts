import { MagmaError } from "@magma/wintun-native";
import { ExitCode, type ExitCodeValue } from "./exit-codes.js";

/** The failures the command itself detects, each with the exit code that reports it. */
export type CommandErrorCode =
  | "NOT_FOUND"
  | "UNSUPPORTED"
  | "OWNED_ELSEWHERE"
  | "INVALID_ARGUMENT"
  | "TIMEOUT";

const EXIT_CODES: Readonly<Record<CommandErrorCode, ExitCodeValue>> = {
  NOT_FOUND: ExitCode.NOT_FOUND,
  UNSUPPORTED: ExitCode.UNSUPPORTED,
  OWNED_ELSEWHERE: ExitCode.OWNED_ELSEWHERE,
  INVALID_ARGUMENT: ExitCode.USAGE,
  TIMEOUT: ExitCode.FAILURE,
};

/** A failure found by a `magma` command (not by the library), with a hint a person can act on. */
export class CommandError extends MagmaError<CommandErrorCode> {
  /** The process's exit code for it (see ExitCode). */
  get exitCode(): ExitCodeValue {
    return EXIT_CODES[this.code];
  }
}
