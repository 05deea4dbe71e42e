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
  /** Generators run at once, each its own UDP flow (source port 40000 + i) with its share of the window. */
  flows: 1,
};

export function loadGeneratorArgv(load, flow = 0) {
  const options = { ...defaultLoad, ...load };
  return [
    benchPaths.loadGenerator,
    ...["--local", benchAddresses.local, "--remote", benchAddresses.remote],
    ...["--sport", String(40000 + flow)],
    ...["--payload", String(options.payloadBytes), "--window", String(options.window)],
    ...["--batch", String(options.batch), "--warmup-ms", String(options.warmupMs)],
    ...["--duration-ms", String(options.durationMs), "--max-packets", String(options.maxPackets)],
    ...["--stall-ms", String(options.stallMs)],
  ];
}

/**
 * Resolves to the generator's JSON line; rejects if it fails or outlives its own limits. With
 * `flows` above 1, that many generators run at once, one UDP flow each (a port's workers get
 * flows, not packets, to share), the window split between them, and their lines are combined:
 * rates, counts and CPU summed, round-trip percentiles the worst flow's.
 */
export async function runLoadGenerator(namespace, load = {}) {
  const options = { ...defaultLoad, ...load };
  if (options.flows <= 1) return runOneGenerator(namespace, options, 0);
  const window = Math.max(1, Math.ceil(options.window / options.flows));
  const results = await Promise.all(
    Array.from({ length: options.flows }, (_, flow) =>
      runOneGenerator(namespace, { ...options, window }, flow),
    ),
  );
  const combined = {};
  for (const [key, value] of Object.entries(results[0])) {
    if (typeof value !== "number") continue;
    const values = results.map((result) => result[key]);
    combined[key] = key.startsWith("rtt") ? Math.max(...values) : values.reduce((a, b) => a + b, 0);
  }
  return combined;
}

async function runOneGenerator(namespace, options, flow) {
  const timeLimitMs = options.warmupMs + options.durationMs + options.stallMs + 10_000;
  const argv = namespace.command(loadGeneratorArgv(options, flow), pinnedCpus()?.loadGenerator);
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
