// UDP reflector benchmark: five reflectors of the same UDP datagrams (addresses and ports
// swapped), driven by the same closed-loop kernel-side load generator, measured in alternating
// rounds in one run:
//   c-emulator          the C reflector on the wintun API over the emulator (tools/wintun-emu)
//   c-direct            the same C reflector straight on /dev/net/tun (the raw baseline)
//   node-magma-port     ours: Node.js, a receiver on WinTunPort (@magma/wintun-native), emulator
//   node-magma-tap-port ours, the same receiver on TapPort (@magma/tap-legacy) over the TAP-Windows
//                       emulator (tools/tap-windows-emu), on an adapter made for the run; the
//                       kernel side has the same address, so the load generator runs unchanged
//   node-appium-tuntap  Node.js on appium-ios-tuntap over /dev/net/tun (busy polling, one call
//                       per packet)
// Each window in MAGMA_BENCH_WINDOWS is measured in its own set of rounds: 1 packet in flight
// (latency at low load: every packet crosses every wake-up alone) and 256 (throughput).
// Prints, per window, packets per second (median over rounds), the round trip's p50 and p99 seen
// by the load generator, the ratios the targets are set on (ours / C over the emulator >= 0.9 at
// window 1 and >= 0.8 otherwise, ours / appium-ios-tuntap > 1, C emulator / C direct; the TAP
// port beside the WinTun port and the C baseline, with no target), the CPU
// each reflector used, and for the Node.js reflectors their heap and GC over the load and their
// CPU with no traffic.
//
// Needs root and /dev/net/tun; every run happens in its own network namespace on 198.18.0.0/24.
// Build first (the suite builds nothing):
//   cmake -S tools/bench -B tools/bench/build -DCMAKE_BUILD_TYPE=Release
//   cmake --build tools/bench/build --parallel      (also builds appium-ios-tuntap's addon)
//   pnpm --filter @magma/wintun-emu build
//   pnpm --filter @magma/wintun-native build
//   pnpm --filter @magma/tap-windows-emu build && pnpm --filter @magma/tap-legacy build
// Run:
//   node tools/bench/run-benchmarks.mjs reflector
// Environment: MAGMA_BENCH_ROUNDS (5; about 95 s per window), MAGMA_BENCH_DURATION_MS (3000 per
// run), MAGMA_BENCH_PAYLOAD (64 UDP payload bytes), MAGMA_BENCH_WINDOWS (comma-separated packets in
// flight, "1,256"),
// MAGMA_BENCH_REFLECTORS (comma-separated names; default the five above, and on request also
// node-magma-port-thread-only: ours with inlineReceiveMicroseconds 0, and c-emulator-extra-work:
// the C reflector over the emulator busy for MAGMA_BENCH_EXTRA_WORK_NS, 500, more on each packet),
// MAGMA_BENCH_PIN=1 (the load generator on CPU 0, the reflector with all its threads on CPU 1:
// each reflector measured on one core, without the scheduler's noise; see ../lib/cpu-pinning.mjs).
//
// Columns: "window" is the packets in flight; "p50 us" and "p99 us" the round trip (send to reply,
// in the load generator, over the measurement only; median over rounds); "CPU %" is the reflector process's user+system time (all its threads: the emulator's
// driver threads and our receive thread included) over the load generator's run, as % of one
// core; "CPU us/pkt" the same per reflected packet; "gen CPU %" the load generator's own share.
// "idle CPU %" is the reflector's CPU over 2 s with no traffic, after the load. "heap B/pkt" is
// heapUsed after minus before the load, per reflected packet, without the code space (what the JIT
// compiled meanwhile, printed per round as "code +"), and "GCs" the collections inside that window
// (the window starts after a full GC): with no GC, the heap growth is exactly what was allocated, so an object allocated per packet (16 bytes at the very least) would
// show as >= 16 B/pkt, and in practice as scavenges; with collections the growth is only a lower
// bound, marked ">=".
//
// Ratios are taken within a window only, against the C reflector over the emulator measured in
// the same rounds ("/ C emu"), and against ours on WinTunPort ("/ ours WinTun").
import { readFileSync } from "node:fs";
import { defaultLoad } from "../lib/load-generator.mjs";
import { networkPrerequisiteProblem } from "../lib/network-namespace.mjs";
import { measureAlternating, summarizeMeasurements } from "../lib/reflector-measurement.mjs";
import {
  appiumTuntapReflector,
  cReflectorDirect,
  cReflectorOverEmulator,
  magmaPortReflector,
} from "../lib/reflectors.mjs";
import { median } from "../lib/statistics.mjs";
import { formatTable } from "../lib/table.mjs";

const numberFromEnv = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const rounds = numberFromEnv("MAGMA_BENCH_ROUNDS", 5);
const load = {
  ...defaultLoad,
  durationMs: numberFromEnv("MAGMA_BENCH_DURATION_MS", 3000),
  payloadBytes: numberFromEnv("MAGMA_BENCH_PAYLOAD", defaultLoad.payloadBytes),
};
const windows = (process.env.MAGMA_BENCH_WINDOWS ?? "1,256").split(",").map((text) => {
  const window = Number(text);
  if (!Number.isInteger(window) || window < 1 || window > 8192) {
    throw new Error(`MAGMA_BENCH_WINDOWS: "${text}" is not a window in 1..8192`);
  }
  return window;
});
/** ours / C over the emulator: at one packet in flight every wake-up and hand-over shows. */
const emulatorRatioTarget = (window) => (window === 1 ? 0.9 : 0.8);
const wanted = process.env.MAGMA_BENCH_REFLECTORS?.split(",");
// Not run unless named in MAGMA_BENCH_REFLECTORS: ours with the ring never lent to JavaScript, to
// show in the same run what receiving on the JavaScript thread under load is worth; and the C
// reflector made to spend MAGMA_BENCH_EXTRA_WORK_NS more on each packet, to show what that much
// work, about what a runtime above C adds per packet, costs this benchmark.
const onRequestOnly = new Set(["node-magma-port-thread-only", "c-emulator-extra-work"]);
const extraWorkNs = numberFromEnv("MAGMA_BENCH_EXTRA_WORK_NS", 500);
const reflectors = [
  cReflectorOverEmulator(),
  cReflectorOverEmulator({
    name: "c-emulator-extra-work",
    label: `C reflector, emulator, +${extraWorkNs} ns/packet`,
    extraWorkNs,
  }),
  cReflectorDirect(),
  magmaPortReflector(),
  magmaPortReflector({
    name: "node-magma-port-thread-only",
    label: "Node.js, Magma WinTunPort, ring never lent",
    inlineReceiveMicroseconds: 0,
  }),
  magmaPortReflector({ backend: "tap" }),
  appiumTuntapReflector(),
].filter((spec) =>
  wanted === undefined ? !onRequestOnly.has(spec.name) : wanted.includes(spec.name),
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
  `${rounds} rounds x ${load.durationMs} ms per reflector and window, ` +
    `${load.payloadBytes}-byte UDP payload, windows ${windows.join(", ")} packets in flight`,
);
/** window -> Map name -> measurements, in round order. */
const resultsByWindow = new Map();
for (const window of windows) {
  console.log(`window ${window}:`);
  resultsByWindow.set(
    window,
    await measureAlternating(reflectors, { rounds, load: { ...load, window }, onMeasurement }),
  );
}

function onMeasurement(spec, m, round) {
  console.log(
    `  round ${round + 1} ${spec.name.padEnd(12)} ${Math.round(m.load.pps).toLocaleString("en-US").padStart(9)} pps` +
      `  rtt p50 ${m.load.rttP50Us.toFixed(1)} us p99 ${m.load.rttP99Us.toFixed(1)} us` +
      `  reflector CPU ${((100 * m.reflectorCpuSeconds) / m.wallSeconds).toFixed(0)}%` +
      `  lost ${m.load.lost}` +
      (m.reflectorSummary?.driver === undefined
        ? ""
        : `  ring-full drops ${m.reflectorSummary.driver.packetsDroppedRingFull}` +
          `  waits ${m.reflectorSummary.waits}`) +
      (m.reflectorSummary?.port === undefined
        ? ""
        : `  packets/batch ${m.reflectorSummary.port.packetsPerBatch}` +
          ` (received by JS ${Math.round((100 * m.reflectorSummary.port.rxInlineBatches) / Math.max(1, m.reflectorSummary.port.rxBatches))}%)`) +
      (m.reflectorSummary?.window === undefined
        ? ""
        : `  heap +${m.reflectorSummary.window.heapGrowthBytes} B` +
          `  code +${m.reflectorSummary.window.codeSpaceGrowthBytes} B` +
          `  GCs ${m.reflectorSummary.window.gcCount}`) +
      (m.idleCpuPercent === undefined ? "" : `  idle CPU ${m.idleCpuPercent.toFixed(1)}%`),
  );
}

console.log(`load average after: ${loadAverage()}`);

const rows = windows.flatMap((window) =>
  reflectors.map((spec) => ({
    window,
    spec,
    summary: summarizeMeasurements(resultsByWindow.get(window).get(spec.name)),
  })),
);
const summaryOf = (window, name) =>
  rows.find((row) => row.window === window && row.spec.name === name)?.summary;
const formatCount = (value) => Math.round(value).toLocaleString("en-US");
const orDash = (value, format) => (value === undefined ? "-" : format(value));

console.log();
console.log(
  formatTable(
    [
      { title: "window", value: (row) => String(row.window) },
      { title: "reflector", value: (row) => row.spec.label, align: "left" },
      { title: "pps (median)", value: (row) => formatCount(row.summary.pps) },
      {
        title: "/ C emu",
        value: (row) =>
          orDash(summaryOf(row.window, "c-emulator")?.pps, (pps) =>
            (row.summary.pps / pps).toFixed(2),
          ),
      },
      {
        // Beside ours on WinTunPort: the TAP row's cost of the other backend, the same receiver.
        title: "/ ours WinTun",
        value: (row) =>
          orDash(summaryOf(row.window, "node-magma-port")?.pps, (pps) =>
            (row.summary.pps / pps).toFixed(2),
          ),
      },
      {
        title: "p50 us",
        value: (row) => orDash(row.summary.rttP50Us, (value) => value.toFixed(1)),
      },
      {
        title: "p99 us",
        value: (row) => orDash(row.summary.rttP99Us, (value) => value.toFixed(1)),
      },
      { title: "CPU %", value: (row) => row.summary.cpuPercent.toFixed(0) },
      { title: "CPU us/pkt", value: (row) => row.summary.cpuMicrosPerPacket.toFixed(2) },
      { title: "gen CPU %", value: (row) => row.summary.generatorCpuPercent.toFixed(0) },
      {
        title: "idle CPU %",
        value: (row) => orDash(row.summary.idleCpuPercent, (value) => value.toFixed(1)),
      },
      {
        title: "heap B/pkt",
        // With collections in the window the growth is only a lower bound of what was allocated.
        value: (row) =>
          orDash(
            row.summary.heapGrowthPerPacket,
            (value) => `${row.summary.gcCountMax > 0 ? ">=" : ""}${value.toFixed(2)}`,
          ),
      },
      { title: "GCs", value: (row) => orDash(row.summary.gcCount, (value) => String(value)) },
      { title: "lost", value: (row) => formatCount(row.summary.lost) },
      { title: "corrupt", value: (row) => formatCount(row.summary.corrupt) },
    ],
    rows,
  ),
);

// Targets: reported as measured, met or not.
const verdict = (met) => (met ? "met" : "NOT met");
// Each ratio twice: of the medians, and the median of the per-round ratios, which pairs runs made
// seconds apart and so cancels most of a shared machine's drift; the verdict uses the latter.
const ratioLine = (window, label, numerator, denominator, target, isMet) => {
  const results = resultsByWindow.get(window);
  const a = results.get(numerator);
  const b = results.get(denominator);
  if (a === undefined || b === undefined) return;
  const ofMedians = summaryOf(window, numerator).pps / summaryOf(window, denominator).pps;
  const perRound = median(a.map((m, round) => m.load.pps / b[round].load.pps));
  const goal = target === undefined ? "" : `  (${target}: ${verdict(isMet(perRound))})`;
  console.log(
    `${label.padEnd(32)} ${perRound.toFixed(2)} per round, ${ofMedians.toFixed(2)} of medians${goal}`,
  );
};
for (const window of windows) {
  console.log();
  console.log(`window ${window}:`);
  const target = emulatorRatioTarget(window);
  ratioLine(
    window,
    "ours / C over the emulator",
    "node-magma-port",
    "c-emulator",
    `target >= ${target.toFixed(2)}`,
    (r) => r >= target,
  );
  ratioLine(
    window,
    "ours / appium-ios-tuntap",
    "node-magma-port",
    "node-appium-tuntap",
    "target > 1",
    (r) => r > 1,
  );
  ratioLine(
    window,
    "C emulator / C direct",
    "c-emulator",
    "c-direct",
    "target >= 0.80",
    (r) => r >= 0.8,
  );
  ratioLine(
    window,
    "ours / ours, ring never lent",
    "node-magma-port",
    "node-magma-port-thread-only",
  );
  ratioLine(window, "appium-ios-tuntap / C direct", "node-appium-tuntap", "c-direct");
  ratioLine(window, `C +${extraWorkNs} ns / C`, "c-emulator-extra-work", "c-emulator");
  ratioLine(window, `ours / C +${extraWorkNs} ns`, "node-magma-port", "c-emulator-extra-work");
  // The same receiver and loop on the two backends: what the TAP driver's path costs.
  ratioLine(window, "ours TAP / ours WinTun", "node-magma-tap-port", "node-magma-port");
  ratioLine(window, "ours TAP / C over the emulator", "node-magma-tap-port", "c-emulator");
  ratioLine(window, "ours TAP / C direct", "node-magma-tap-port", "c-direct");
  for (const [who, name] of [
    ["ours", "node-magma-port"],
    ["ours TAP", "node-magma-tap-port"],
  ]) {
    const ours = summaryOf(window, name);
    if (ours?.gcCountMax !== undefined) {
      // An object allocated per packet is 16 B at least; under 1 B per packet with no collection
      // is not even an object per batch at one packet per batch.
      const noAllocation = ours.gcCountMax === 0 && ours.heapGrowthPerPacket < 1;
      console.log(
        `${`${who}: per-packet allocation`.padEnd(32)} GCs ${ours.gcCountMax} (most in a round), ` +
          `heap ${ours.heapGrowthPerPacket.toFixed(2)} B/pkt  (target none, under 1 B/pkt: ${verdict(noAllocation)})`,
      );
    }
    if (ours?.idleCpuPercent !== undefined) {
      console.log(
        `${`${who}: CPU with no traffic`.padEnd(32)} ${ours.idleCpuPercent.toFixed(2)}% of a core ` +
          `(target ~0, under 1%: ${verdict(ours.idleCpuPercent < 1)})`,
      );
    }
  }
}
if (rows.some((row) => row.summary.corrupt > 0)) {
  console.error("some replies came back corrupt: the figures above are not trustworthy");
  process.exit(1);
}
