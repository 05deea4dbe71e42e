import { spawn } from "node:child_process";
import { MagmaError } from "@magma/transport";

export interface CommandResult {
  /** The exit status, or null when the command was killed (by the time limit or a signal). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/**
 * Runs a program to completion without a shell, killing it (by its own pid) after `timeoutMs`.
 * A non-zero exit is a result, not an error; a program that cannot be started is a `MagmaError`.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  installHint?: string,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new MagmaError(error.code ?? "SPAWN_FAILED", `cannot run ${command}: ${error.message}`, {
          ...(installHint === undefined ? {} : { hint: installHint }),
          cause: error,
        }),
      );
    });
    child.once("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, timedOut });
    });
  });
}
