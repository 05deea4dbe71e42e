import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";

// The built `magma` and long-running programs beside it, for the end-to-end tests.
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const bin = join(packageDir, "bin", "magma.cjs");
export const testSupport = join(packageDir, "src", "test-support");
export const run = promisify(execFile);

export interface Result {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `magma` with `args`; its exit code and output, whatever the code. */
export async function magma(...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** Long-running programs a test started; `stopStarted()` (in afterEach) kills those still running. */
const started: ChildProcess[] = [];

export function stopStarted(): void {
  for (const child of started.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
}

/** Starts a long-running program and returns it with its first line of output. */
export async function startHolding(
  args: string[],
): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  started.push(child);
  let output = "";
  child.stdout?.setEncoding("utf8");
  while (!output.includes("\n")) {
    const [chunk] = (await Promise.race([once(child.stdout!, "data"), once(child, "exit")])) as [
      unknown,
    ];
    if (typeof chunk !== "string") throw new Error(`${args.join(" ")} exited before it was ready`);
    output += chunk;
  }
  return { child, firstLine: output.slice(0, output.indexOf("\n")) };
}

/**
 * A scratch directory for a test file, removed after it, with the control sockets of every port
 * and `magma create` the file starts in its "control" folder: MAGMA_CONTROL_DIR names it while
 * the file runs (the processes it starts inherit it), so nothing is left in /run/magma.
 */
export function scratchWithControlDirectory(prefix: string): {
  readonly directory: string;
  readonly controlDirectory: string;
} {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const controlDirectory = join(directory, "control");
  let previous: string | undefined;
  beforeAll(() => {
    previous = process.env.MAGMA_CONTROL_DIR;
    process.env.MAGMA_CONTROL_DIR = controlDirectory;
  });
  afterAll(() => {
    if (previous === undefined) delete process.env.MAGMA_CONTROL_DIR;
    else process.env.MAGMA_CONTROL_DIR = previous;
    rmSync(directory, { recursive: true, force: true });
  });
  return { directory, controlDirectory };
}
