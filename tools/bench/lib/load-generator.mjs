// Runs the C load generator (tools/bench/loadgen) inside a namespace and returns its JSON result.
import { spawn } from "node:child_process";
import { benchPaths } from "./bench-paths.mjs";
import { onCleanup } from "./cleanup-on-exit.mjs";
import { pinnedCpus } from "./cpu-pinning.mjs";
import { benchAddresses } from "./network-namespace.mjs";

/** Defaults shared by every suite so their figures compare. */
export const defaultLoad = {
  payloadBytes: 64,
  window: 256,
  batch: 32,
  warmupMs: 300,
  durationMs: 3000,
  maxPackets: 50_000_000,
  stallMs: 100,
};

export function loadGeneratorArgv(load) {
  const options = { ...defaultLoad, ...load };
  return [
    benchPaths.loadGenerator,
    ...["--local", benchAddresses.local, "--remote", benchAddresses.remote],
    ...["--payload", String(options.payloadBytes), "--window", String(options.window)],
    ...["--batch", String(options.batch), "--warmup-ms", String(options.warmupMs)],
    ...["--duration-ms", String(options.durationMs), "--max-packets", String(options.maxPackets)],
    ...["--stall-ms", String(options.stallMs)],
  ];
}

/** Resolves to the generator's JSON line; rejects if it fails or outlives its own limits. */
export function runLoadGenerator(namespace, load = {}) {
  const options = { ...defaultLoad, ...load };
  const timeLimitMs = options.warmupMs + options.durationMs + options.stallMs + 10_000;
  const argv = namespace.command(loadGeneratorArgv(options), pinnedCpus()?.loadGenerator);
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const forget = onCleanup(() => {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeLimitMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      forget();
      reject(error);
    });
    child.on("exit", (code, signalName) => {
      clearTimeout(timer);
      forget();
      const lastLine = stdout.trim().split("\n").at(-1) ?? "";
      if (code !== 0) {
        reject(new Error(`load generator exited with ${code ?? signalName}: ${stderr.trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(lastLine));
      } catch {
        reject(new Error(`load generator printed no result: ${stdout.trim()} ${stderr.trim()}`));
      }
    });
  });
}
