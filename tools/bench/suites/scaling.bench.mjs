// Multi-queue scaling: our UDP reflector over WinTunPort with its receiver on 0 (the port's own
// thread), 1, 2 and 4 worker threads (the port's `workers` option), under the same closed-loop load
// generator, measured in alternating rounds in one run. Two kinds of receiver:
//   work     a fixed, CPU-bound amount of JavaScript per packet (MAGMA_BENCH_WORK_PASSES passes of
//            a keyed hash over the payload; udp-reflector-receiver.mjs), as a VPN's cryptography
//   trivial  the reflector alone: what the fan-out to workers costs
// Each round's line gives, with workers, the share of batches the workers received themselves from
// the ring the receive thread lends them while they are all busy (session.stats.rxWorkerBatches).
// Prints packets per second (median over rounds), the reflector's CPU (all its threads) and the
// ratios the targets are set on: with work, 2 workers / 1 worker >= 1.5; trivial, 1 worker / no
// workers >= 0.8 (the fan-out's own cost).
//
// Needs root and /dev/net/tun; each run has its own network namespace on 198.18.0.0/24. Build as
// for the reflector suite (suites/reflector.bench.mjs). Run:
//   node tools/bench/run-benchmarks.mjs scaling
// Environment: MAGMA_BENCH_ROUNDS (3), MAGMA_BENCH_DURATION_MS (3000), MAGMA_BENCH_WINDOW (256
// packets in flight: enough to keep several workers busy), MAGMA_BENCH_WORK_PASSES (100:
// about 19 us per packet, enough to dominate the load generator's and the kernel's share),
// MAGMA_BENCH_SCALING_WORKERS ("0,1,2,4"), MAGMA_BENCH_FLOWS (8 UDP flows the load generator
// sends at once, sharing the window). Not pinned: the workers need both cores.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { defaultLoad } from "../lib/load-generator.mjs";
import { networkPrerequisiteProblem } from "../lib/network-namespace.mjs";
import { measureAlternating, summarizeMeasurements } from "../lib/reflector-measurement.mjs";
import { magmaPortReflector } from "../lib/reflectors.mjs";
import { formatTable } from "../lib/table.mjs";

const numberFromEnv = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
};

const rounds = numberFromEnv("MAGMA_BENCH_ROUNDS", 3);
const workPasses = numberFromEnv("MAGMA_BENCH_WORK_PASSES", 100);
const load = {
  ...defaultLoad,
  durationMs: numberFromEnv("MAGMA_BENCH_DURATION_MS", 3000),
  window: numberFromEnv("MAGMA_BENCH_WINDOW", 256),
  // Workers share flows, not packets: several flows, so that several workers have work.
  flows: numberFromEnv("MAGMA_BENCH_FLOWS", 8),
};
const workerCounts = (process.env.MAGMA_BENCH_SCALING_WORKERS ?? "0,1,2,4")
  .split(",")
  .map((text) => {
    const count = Number(text);
    if (!Number.isInteger(count) || count < 0 || count > 64) {
      throw new Error(`MAGMA_BENCH_SCALING_WORKERS: "${text}" is not a worker count in 0..64`);
    }
    return count;
  });

const percentOf = (part, whole) => Math.round((100 * (part ?? 0)) / Math.max(1, whole ?? 0));
const describeWorkers = (count) =>
  count === 0 ? "no workers" : `${count} worker${count > 1 ? "s" : ""}`;
const specs = ["work", "trivial"].flatMap((kind) =>
  workerCounts.map((workers) => ({
    kind,
    workers,
    spec: magmaPortReflector({
      name: `${kind}-${workers}`,
      label: `${kind === "work" ? `${workPasses}-pass work` : "trivial"}, ${describeWorkers(workers)}`,
      workers,
      workPasses: kind === "work" ? workPasses : 0,
    }),
  })),
);

const problem = networkPrerequisiteProblem();
if (problem !== null) {
  console.error(`scaling benchmark cannot run: ${problem}`);
  process.exit(1);
}

const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
console.log(`load average before: ${loadAverage()}`);
console.log(
  `${rounds} rounds x ${load.durationMs} ms per row, window ${load.window}, ` +
    `${load.flows} flows, ${load.payloadBytes}-byte UDP payload, ${workPasses} work passes`,
);
const results = await measureAlternating(
  specs.map((row) => row.spec),
  {
    rounds,
    load,
    onMeasurement: (spec, m, round) =>
      console.log(
        `  round ${round + 1} ${spec.name.padEnd(10)} ${Math.round(m.load.pps).toLocaleString("en-US").padStart(9)} pps` +
          `  CPU ${((100 * m.reflectorCpuSeconds) / m.wallSeconds).toFixed(0)}%  lost ${m.load.lost}` +
          `  ${m.reflectorSummary?.port?.packetsPerBatch ?? "-"} packets per received batch` +
          (m.reflectorSummary?.port?.workers === undefined
            ? ""
            : `  per worker ${m.reflectorSummary.port.workers.map((w) => w.handedOff).join("/")}` +
              `  received by workers ${percentOf(m.reflectorSummary.port.rxWorkerBatches, m.reflectorSummary.port.rxBatches)}%`) +
          (m.reflectorSummary?.error === undefined ? "" : `  error ${m.reflectorSummary.error}`),
      ),
  },
);
console.log(`load average after: ${loadAverage()}`);

const rows = specs.map((row) => ({
  ...row,
  summary: summarizeMeasurements(results.get(row.spec.name)),
}));
const ppsOf = (kind, workers) =>
  rows.find((row) => row.kind === kind && row.workers === workers)?.summary.pps;
const ratio = (value, base) =>
  value === undefined || base === undefined || base === 0 ? "-" : (value / base).toFixed(2);

console.log();
console.log(
  formatTable(
    [
      { title: "receiver", value: (row) => row.spec.label, align: "left" },
      {
        title: "pps (median)",
        value: (row) => Math.round(row.summary.pps).toLocaleString("en-US"),
      },
      { title: "CPU %", value: (row) => row.summary.cpuPercent.toFixed(0) },
      { title: "CPU us/pkt", value: (row) => row.summary.cpuMicrosPerPacket.toFixed(2) },
      { title: "machine CPU %", value: (row) => row.summary.machineCpuPercent.toFixed(0) },
      { title: "/ no workers", value: (row) => ratio(row.summary.pps, ppsOf(row.kind, 0)) },
      { title: "/ 1 worker", value: (row) => ratio(row.summary.pps, ppsOf(row.kind, 1)) },
      { title: "lost", value: (row) => Math.round(row.summary.lost).toLocaleString("en-US") },
      { title: "corrupt", value: (row) => String(row.summary.corrupt) },
    ],
    rows,
  ),
);
console.log();
const targets = [
  ["work: 2 workers / 1 worker", ppsOf("work", 2), ppsOf("work", 1), 1.5],
  ["trivial: 1 worker / no workers", ppsOf("trivial", 1), ppsOf("trivial", 0), 0.8],
];
for (const [what, value, base, target] of targets) {
  if (value === undefined || base === undefined) continue;
  const measured = value / base;
  console.log(
    `${what}: ${measured.toFixed(2)} (target >= ${target}) ${measured >= target ? "met" : "NOT met"}`,
  );
}
// What 2 workers can reach at most on this machine: with 1 worker, its thread fills one core and
// everything else per packet (the load generator, the kernel's TUN and UDP path, the emulator's
// driver thread, the receive thread) keeps the machine busy at B cores in all. 2 workers need
// twice that per unit of 1-worker throughput, and the machine has C cores: at most C / B times.
const oneWorker = rows.find((row) => row.kind === "work" && row.workers === 1)?.summary;
const twoWorkers = ppsOf("work", 2);
if (oneWorker !== undefined && twoWorkers !== undefined) {
  const cores = availableParallelism();
  const ceiling = cores / Math.max(1, oneWorker.machineCpuPercent / 100);
  console.log(
    `work: 2 workers' ceiling here, ${cores} cores / ${(oneWorker.machineCpuPercent / 100).toFixed(2)} ` +
      `cores busy with 1 worker: ${ceiling.toFixed(2)}; measured ${(twoWorkers / oneWorker.pps).toFixed(2)}`,
  );
}
