// UDP reflector benchmark: the same C reflector over the wintun emulator (tools/wintun-emu,
// through the wintun.dll API) and straight on /dev/net/tun, driven by the same closed-loop
// kernel-side load generator, in one run. Prints packets per second (median over rounds), the
// emulator/direct ratio (target: at least 0.8), and the CPU each reflector used.
//
// Needs root and /dev/net/tun; every run happens in its own network namespace on 198.18.0.0/24.
// Build first (the suite builds nothing):
//   cmake -S tools/bench -B tools/bench/build -DCMAKE_BUILD_TYPE=Release
//   cmake --build tools/bench/build --parallel
//   pnpm --filter @magma/wintun-emu build
// Run:
//   node tools/bench/run-benchmarks.mjs reflector
// Environment: MAGMA_BENCH_ROUNDS (3), MAGMA_BENCH_DURATION_MS (3000 per run),
// MAGMA_BENCH_PAYLOAD (64 UDP payload bytes), MAGMA_BENCH_WINDOW (256 packets in flight),
// MAGMA_BENCH_REFLECTORS (comma-separated names, default all).
//
// Columns: "reflector CPU" is the reflector process's user+system time (all its threads, the
// emulator's driver threads included) over the load generator's run, as % of one core and as
// microseconds per reflected packet; "generator CPU" is the load generator's own share.
import { readFileSync } from "node:fs";
import { defaultLoad } from "../lib/load-generator.mjs";
import { networkPrerequisiteProblem } from "../lib/network-namespace.mjs";
import { measureAlternating, summarizeMeasurements } from "../lib/reflector-measurement.mjs";
import { cReflectorDirect, cReflectorOverEmulator } from "../lib/reflectors.mjs";
import { formatTable } from "../lib/table.mjs";

const numberFromEnv = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const rounds = numberFromEnv("MAGMA_BENCH_ROUNDS", 3);
const load = {
  ...defaultLoad,
  durationMs: numberFromEnv("MAGMA_BENCH_DURATION_MS", 3000),
  payloadBytes: numberFromEnv("MAGMA_BENCH_PAYLOAD", defaultLoad.payloadBytes),
  window: numberFromEnv("MAGMA_BENCH_WINDOW", defaultLoad.window),
};
const baseline = cReflectorDirect();
const wanted = process.env.MAGMA_BENCH_REFLECTORS?.split(",");
const reflectors = [cReflectorOverEmulator(), baseline].filter(
  (spec) => wanted === undefined || wanted.includes(spec.name),
);

const problem = networkPrerequisiteProblem();
if (problem !== null) {
  console.error(`reflector benchmark cannot run: ${problem}`);
  process.exit(1);
}

// The machine is shared: a busy neighbour shows up here and explains a noisy table.
const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`load average before: ${loadAverage()}`);
console.log(
  `${rounds} rounds x ${load.durationMs} ms per reflector, ${load.payloadBytes}-byte UDP payload, ` +
    `${load.window} packets in flight`,
);
const results = await measureAlternating(reflectors, {
  rounds,
  load,
  onMeasurement: (spec, m, round) =>
    console.log(
      `  round ${round + 1} ${spec.name.padEnd(12)} ${Math.round(m.load.pps).toLocaleString("en-US").padStart(9)} pps` +
        `  reflector CPU ${((100 * m.reflectorCpuSeconds) / m.wallSeconds).toFixed(0)}%` +
        `  lost ${m.load.lost}` +
        (m.reflectorSummary?.driver === undefined
          ? ""
          : `  ring-full drops ${m.reflectorSummary.driver.packetsDroppedRingFull}` +
            `  waits ${m.reflectorSummary.waits}`),
    ),
});

console.log(`load average after: ${loadAverage()}`);

const summaries = reflectors.map((spec) => ({
  spec,
  summary: summarizeMeasurements(results.get(spec.name)),
}));
const baselinePps = summaries.find((row) => row.spec.name === baseline.name)?.summary.pps;
const formatCount = (value) => Math.round(value).toLocaleString("en-US");

console.log();
console.log(
  formatTable(
    [
      { title: "reflector", value: (row) => row.spec.label, align: "left" },
      { title: "pps (median)", value: (row) => formatCount(row.summary.pps) },
      {
        title: "vs direct",
        value: (row) =>
          baselinePps === undefined ? "-" : (row.summary.pps / baselinePps).toFixed(2),
      },
      { title: "reflector CPU %", value: (row) => row.summary.cpuPercent.toFixed(0) },
      { title: "CPU us/packet", value: (row) => row.summary.cpuMicrosPerPacket.toFixed(2) },
      { title: "generator CPU %", value: (row) => row.summary.generatorCpuPercent.toFixed(0) },
      { title: "lost", value: (row) => formatCount(row.summary.lost) },
      { title: "corrupt", value: (row) => formatCount(row.summary.corrupt) },
    ],
    summaries,
  ),
);

const emulator = summaries.find((row) => row.spec.name === "c-emulator");
if (emulator !== undefined && baselinePps !== undefined) {
  const ratio = emulator.summary.pps / baselinePps;
  console.log(
    `\nemulator / direct = ${ratio.toFixed(2)} (target >= 0.80: ${ratio >= 0.8 ? "met" : "NOT met"})`,
  );
}
if (summaries.some((row) => row.summary.corrupt > 0)) {
  console.error("some replies came back corrupt: the figures above are not trustworthy");
  process.exit(1);
}
