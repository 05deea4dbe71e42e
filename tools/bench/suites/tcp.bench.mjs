// TCP benchmark: user-space TCP stacks against the Linux kernel's TCP as the peer, every row
// measured in the same run, in alternating rounds:
//   up / down  one connection's bulk throughput, kernel -> endpoint's SINK ("up") and endpoint's
//              SOURCE -> kernel ("down"), at MTU 1500 and 65535, in Mb/s
//   http       requests per second of 100 keep-alive connections making small GETs (wrk)
// Endpoints (../lib/tcp-endpoints.mjs; the contract is ../tcp/README.md):
//   kernel       the kernel's TCP across a veth pair, C server: the ceiling, bulk baseline
//   kernel-node  the same, Node.js net and http.Server: the HTTP baseline
//   gvisor       gVisor's netstack over TUN (Go), tun2socks-like settings
//   lwip         lwIP 2.1.3 raw API over TUN (C), one thread
//   ours         @magma/tcp-receiver over WinTunPort and the wintun emulator (Node.js), which the
//                ratio table sets against gVisor and the kernel
//
// Needs root and /dev/net/tun; every run happens in namespaces of its own on 198.18.0.0/24.
// Set up and build first (the suite builds nothing): bash tools/bench/tcp/setup.sh
// Run:
//   node tools/bench/run-benchmarks.mjs tcp
// Environment: MAGMA_BENCH_ROUNDS (3), MAGMA_BENCH_DURATION_MS (5000 per run; HTTP in whole
// seconds), MAGMA_BENCH_WARMUP_MS (1000, before each measured window), MAGMA_BENCH_TCP_ENDPOINTS
// (comma-separated names; default every registered endpoint that is built),
// MAGMA_BENCH_TCP_TESTS (up,down,http), MAGMA_BENCH_TCP_MTUS (1500,65535),
// MAGMA_BENCH_HTTP_CONNECTIONS (100), MAGMA_BENCH_HTTP_THREADS (wrk threads, 1), MAGMA_BENCH_PIN=1
// (the kernel-side program on CPU 0, the endpoint with all its threads on CPU 1).
//
// Columns: "stack CPU %" is the endpoint process's user+system time (all threads) over the
// measured window, as % of one core; "peer CPU %" the kernel-side program's (tcp-bulk-client or
// wrk), whose system time includes much of the kernel's TCP work for it; "machine CPU %" every
// CPU's busy time (softirq included), out of 200 on 2 cores. "/ base" divides by the baseline row
// of the same test (kernel for bulk, kernel-node for HTTP): the median of per-round ratios, which
// pairs runs made seconds apart and so cancels most of a shared machine's drift.
import { existsSync, readFileSync } from "node:fs";
import { networkPrerequisiteProblem } from "../lib/network-namespace.mjs";
import { median } from "../lib/statistics.mjs";
import { formatTable } from "../lib/table.mjs";
import { tcpEndpoints } from "../lib/tcp-endpoints.mjs";
import { httpLoadProblem, measureBulk, measureHttp } from "../lib/tcp-measurement.mjs";

const numberFromEnv = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const listFromEnv = (name, fallback) =>
  (process.env[name] ?? fallback)
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

const rounds = numberFromEnv("MAGMA_BENCH_ROUNDS", 3);
const durationMs = numberFromEnv("MAGMA_BENCH_DURATION_MS", 5000);
const warmupMs = numberFromEnv("MAGMA_BENCH_WARMUP_MS", 1000);
const connections = numberFromEnv("MAGMA_BENCH_HTTP_CONNECTIONS", 100);
const threads = numberFromEnv("MAGMA_BENCH_HTTP_THREADS", 1);
const mtus = listFromEnv("MAGMA_BENCH_TCP_MTUS", "1500,65535").map(Number);
const testNames = listFromEnv("MAGMA_BENCH_TCP_TESTS", "up,down,http");
for (const name of testNames) {
  if (!["up", "down", "http"].includes(name)) throw new Error(`unknown test ${name}`);
}

const problem = networkPrerequisiteProblem();
if (problem !== null) {
  console.error(`TCP benchmark cannot run: ${problem}`);
  process.exit(1);
}

// Named endpoints must run; by default, those not built yet are left out with a note.
const wanted = process.env.MAGMA_BENCH_TCP_ENDPOINTS?.split(",").map((name) => name.trim());
for (const name of wanted ?? []) {
  if (!tcpEndpoints.some((spec) => spec.name === name)) {
    throw new Error(`unknown endpoint ${name}; registered: ${tcpEndpoints.map((s) => s.name)}`);
  }
}
const endpoints = tcpEndpoints.filter((spec) => {
  if (wanted !== undefined) return wanted.includes(spec.name);
  const missing = spec.requires.filter((file) => !existsSync(file));
  if (missing.length > 0) console.log(`not measured: ${spec.name} is not built (${spec.build})`);
  return missing.length === 0;
});

const tests = [];
for (const mtu of mtus) {
  for (const direction of ["up", "down"]) {
    if (testNames.includes(direction)) tests.push({ key: `${direction} ${mtu}`, direction, mtu });
  }
}
const httpProblem = testNames.includes("http") ? httpLoadProblem() : null;
if (httpProblem !== null) console.log(`not measured: http (${httpProblem})`);
else if (testNames.includes("http")) tests.push({ key: "http", http: true, mtu: 1500 });

const runsIn = (test, spec) => (test.http ? spec.http : spec.bulk && spec.mtus.includes(test.mtu));
const measure = (test, spec) =>
  test.http
    ? measureHttp(spec, { connections, threads, warmupMs, durationMs })
    : measureBulk(spec, { direction: test.direction, mtu: test.mtu, warmupMs, durationMs });
const figureOf = (test, result) => (test.http ? result.requestsPerSecond : result.mbps);
const unitOf = (test) => (test.http ? "req/s" : "Mb/s");

const loadAverage = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const runCount = tests.reduce(
  (total, test) => total + endpoints.filter((spec) => runsIn(test, spec)).length,
  0,
);
console.log(`load average before: ${loadAverage()}`);
console.log(
  `${rounds} rounds x ${runCount} runs of ${warmupMs} ms warm-up + ${durationMs} ms; ` +
    `endpoints: ${endpoints.map((spec) => spec.name).join(", ")}; ` +
    `HTTP: ${connections} connections, wrk with ${threads} thread(s)` +
    (process.env.MAGMA_BENCH_PIN === "1" ? "; pinned" : ""),
);

const count = (value) => Math.round(value).toLocaleString("en-US");
const describe = (test, result) =>
  test.http
    ? `${count(result.requestsPerSecond)} req/s  errors ${result.errors}` +
      `  p50 ${(result.latencyMicros.p50 / 1000).toFixed(2)} ms` +
      `  p99 ${(result.latencyMicros.p99 / 1000).toFixed(2)} ms`
    : `${count(result.mbps)} Mb/s  retrans ${result.retransmits}` +
      `  out-of-order ${result.outOfOrderPackets}  longest gap ${result.longestGapMs} ms` +
      `  mss ${result.mss}` +
      (result.tunDrops === undefined ? "" : `  TUN drops ${result.tunDrops}`);

// results: test key -> endpoint name -> per-round results (an { error } where a run failed).
const results = new Map(tests.map((test) => [test.key, new Map()]));
let failures = 0;
for (let round = 0; round < rounds; round++) {
  for (const test of tests) {
    const specs = endpoints.filter((spec) => runsIn(test, spec));
    // Reverse the order every other round so no endpoint always runs first.
    for (const spec of round % 2 === 0 ? specs : [...specs].reverse()) {
      let result;
      try {
        result = await measure(test, spec);
        console.log(
          `  round ${round + 1} ${test.key.padEnd(10)} ${spec.name.padEnd(12)} ${describe(test, result)}` +
            `  stack CPU ${result.endpointCpuPercent.toFixed(0)}%` +
            `  peer CPU ${result.peerCpuPercent.toFixed(0)}%` +
            `  machine ${result.machineCpuPercent.toFixed(0)}%`,
        );
      } catch (error) {
        failures += 1;
        result = { error };
        console.log(
          `  round ${round + 1} ${test.key.padEnd(10)} ${spec.name.padEnd(12)} FAILED: ${error.message}`,
        );
      }
      const byEndpoint = results.get(test.key);
      if (!byEndpoint.has(spec.name)) byEndpoint.set(spec.name, []);
      byEndpoint.get(spec.name).push(result);
    }
  }
}
console.log(`load average after: ${loadAverage()}`);

const succeeded = (runs) => runs.filter((run) => run.error === undefined);
const medianOf = (runs, pick) => {
  const values = succeeded(runs).map(pick);
  return values.length === 0 ? undefined : median(values);
};
const baselineOf = (test) =>
  endpoints.find((spec) => spec.baseline === (test.http ? "http" : "bulk"));

/** Median over rounds of numerator / denominator, pairing the runs of the same round. */
function ratio(test, numerator, denominator) {
  const a = results.get(test.key).get(numerator.name);
  const b = results.get(test.key).get(denominator?.name);
  if (a === undefined || b === undefined) return undefined;
  const perRound = a
    .map((run, round) =>
      run.error === undefined && b[round]?.error === undefined
        ? figureOf(test, run) / figureOf(test, b[round])
        : undefined,
    )
    .filter((value) => value !== undefined);
  return perRound.length === 0 ? undefined : median(perRound);
}

const orDash = (value, format) => (value === undefined ? "-" : format(value));
const rows = [];
for (const test of tests) {
  for (const spec of endpoints) {
    const runs = results.get(test.key).get(spec.name);
    if (runs !== undefined) rows.push({ test, spec, runs });
  }
}
console.log();
console.log(
  formatTable(
    [
      {
        title: "test",
        value: (row) => (row.test.http ? "http" : row.test.direction),
        align: "left",
      },
      { title: "MTU", value: (row) => row.test.mtu },
      {
        title: "endpoint",
        value: (row) =>
          row.test.http && row.spec.httpServer !== undefined
            ? `${row.spec.label}, ${row.spec.httpServer}`
            : row.spec.label,
        align: "left",
      },
      {
        title: "median",
        value: (row) =>
          orDash(
            medianOf(row.runs, (run) => figureOf(row.test, run)),
            (value) => `${count(value)} ${unitOf(row.test)}`,
          ),
      },
      {
        title: "rounds",
        value: (row) =>
          row.runs
            .map((run) => (run.error === undefined ? count(figureOf(row.test, run)) : "failed"))
            .join(" "),
      },
      {
        title: "stack CPU %",
        value: (row) =>
          orDash(
            medianOf(row.runs, (run) => run.endpointCpuPercent),
            (v) => v.toFixed(0),
          ),
      },
      {
        title: "peer CPU %",
        value: (row) =>
          orDash(
            medianOf(row.runs, (run) => run.peerCpuPercent),
            (v) => v.toFixed(0),
          ),
      },
      {
        title: "machine CPU %",
        value: (row) =>
          orDash(
            medianOf(row.runs, (run) => run.machineCpuPercent),
            (v) => v.toFixed(0),
          ),
      },
      {
        title: "/ base",
        value: (row) =>
          orDash(ratio(row.test, row.spec, baselineOf(row.test)), (v) => v.toFixed(2)),
      },
    ],
    rows,
  ),
);

// Ratios: ours against gVisor and the kernel; every other stack against the kernel.
const gvisor = endpoints.find((spec) => spec.name === "gvisor");
const pairs = [];
for (const spec of endpoints) {
  if (spec.ours === true) {
    if (gvisor !== undefined) pairs.push({ numerator: spec, denominator: gvisor });
    pairs.push({ numerator: spec, denominator: "baseline" });
  } else if (spec.baseline === undefined) {
    pairs.push({ numerator: spec, denominator: "baseline" });
  }
}
if (pairs.length > 0) {
  console.log();
  console.log(
    formatTable(
      [
        {
          title: "ratio (median of per-round ratios)",
          value: ({ numerator, denominator }) =>
            `${numerator.name} / ${denominator === "baseline" ? "kernel" : denominator.name}`,
          align: "left",
        },
        ...tests.map((test) => ({
          title: test.key,
          value: ({ numerator, denominator }) =>
            orDash(
              ratio(test, numerator, denominator === "baseline" ? baselineOf(test) : denominator),
              (v) => v.toFixed(2),
            ),
        })),
      ],
      pairs,
    ),
  );
  console.log(
    "(kernel: the C server for up/down, Node.js http.Server for http; " +
      "each HTTP row's server program is named in its label)",
  );
}
if (failures > 0) {
  console.error(`${failures} run(s) failed: see the FAILED lines above`);
  process.exit(1);
}
