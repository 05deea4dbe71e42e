// Runs the C load generator (tools/bench/loadgen) inside a namespace and returns its JSON result.
import { benchPaths } from "./bench-paths.mjs";
import { runBoundedProgram } from "./bounded-program.mjs";
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
  /** UDP flows the generator sends at once (source ports 40000 + i), each with its share of the window. */
  flows: 1,
};

export function loadGeneratorArgv(load) {
  const options = { ...defaultLoad, ...load };
  return [
    benchPaths.loadGenerator,
    ...["--local", benchAddresses.local, "--remote", benchAddresses.remote],
    ...["--sport", "40000", "--flows", String(options.flows)],
    ...["--payload", String(options.payloadBytes), "--window", String(options.window)],
    ...["--batch", String(options.batch), "--warmup-ms", String(options.warmupMs)],
    ...["--duration-ms", String(options.durationMs), "--max-packets", String(options.maxPackets)],
    ...["--stall-ms", String(options.stallMs)],
  ];
}

/**
 * Resolves to the generator's JSON line; rejects if it fails or outlives its own limits. With
 * `flows` above 1 the one generator sends that many UDP flows at once (a port's workers get
 * flows, not packets, to share), the window split between them; its line sums them.
 */
export async function runLoadGenerator(namespace, load = {}) {
  const options = { ...defaultLoad, ...load };
  const timeLimitMs = options.warmupMs + options.durationMs + options.stallMs + 10_000;
  const argv = namespace.command(loadGeneratorArgv(options), pinnedCpus()?.loadGenerator);
  const { code, signal, stdout, stderr } = await runBoundedProgram(argv, { timeLimitMs });
  if (code !== 0) {
    throw new Error(`load generator exited with ${code ?? signal}: ${stderr.trim()}`);
  }
  const lastLine = stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(lastLine);
  } catch {
    throw new Error(`load generator printed no result: ${stdout.trim()} ${stderr.trim()}`);
  }
}
