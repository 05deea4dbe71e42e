// One measurement: a fresh namespace, the reflector in it, the load generator against it, and
// the reflector's CPU time over exactly the generator's run. Several reflectors are measured in
// alternation, round by round, so slow drifts of a shared machine touch them all alike.
import { benchPaths, requireBuilt } from "./bench-paths.mjs";
import { defaultLoad, runLoadGenerator } from "./load-generator.mjs";
import { configureBenchInterface, createNetworkNamespace } from "./network-namespace.mjs";
import { readMachineBusySeconds } from "./process-cpu.mjs";
import { startReflector } from "./reflector-process.mjs";
import { median, sum } from "./statistics.mjs";

/** No-traffic CPU: read after the load has stopped and this settling pause, over idleWindowMs. */
const idleSettleMs = 300;
export const idleWindowMs = 2_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One reflector in a fresh namespace under the load generator. With `spec.measuredWindow`, the
 * reflector's heap/GC window spans the generator's measured run, after its warm-up; with `spec.measureIdleCpu` (or
 * `options.idleCpu`), its CPU is then also read over idleWindowMs with no traffic.
 */
export async function measureReflector(spec, load = {}, options = {}) {
  const measureIdle = options.idleCpu ?? spec.measureIdleCpu === true;
  requireBuilt(benchPaths.loadGenerator, ...(spec.requires ?? []));
  const namespace = createNetworkNamespace();
  let reflector;
  try {
    reflector = await startReflector(namespace, spec);
    // A reflector that set its own address (through the API under test) says so when ready.
    if (reflector.ready.configured !== true) configureBenchInterface(namespace, reflector.ifname);
    const cpuBefore = reflector.cpuSeconds();
    const machineBefore = readMachineBusySeconds();
    const started = process.hrtime.bigint();
    const loadRun = runLoadGenerator(namespace, load);
    // The heap window opens when the generator's own measurement starts, after its warm-up: what
    // the JIT compiles and records for the hot path as the load begins (some 200 KB of code and
    // as much of its metadata in the old space, once) would otherwise read as bytes per packet.
    if (spec.measuredWindow === true) {
      try {
        await sleep(load.warmupMs ?? defaultLoad.warmupMs);
        await reflector.toggleWindow("started");
      } catch (error) {
        await loadRun.catch(() => {});
        throw error;
      }
    }
    const result = await loadRun;
    const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const reflectorCpuSeconds = reflector.cpuSeconds() - cpuBefore;
    const machineBusySeconds = readMachineBusySeconds() - machineBefore;
    if (spec.measuredWindow === true) await reflector.toggleWindow("ended");
    let idleCpuPercent;
    if (measureIdle) {
      await sleep(idleSettleMs);
      const idleCpuBefore = reflector.cpuSeconds();
      const idleStarted = process.hrtime.bigint();
      await sleep(idleWindowMs);
      const idleSeconds = Number(process.hrtime.bigint() - idleStarted) / 1e9;
      idleCpuPercent = (100 * (reflector.cpuSeconds() - idleCpuBefore)) / idleSeconds;
    }
    const stopped = await reflector.stop();
    reflector = undefined;
    return {
      name: spec.name,
      load: result,
      wallSeconds,
      reflectorCpuSeconds,
      machineBusySeconds,
      idleCpuPercent,
      reflectorSummary: stopped.summary,
      reflectorExit: stopped.code,
    };
  } finally {
    await reflector?.stop();
    namespace.destroy();
  }
}

/** rounds × specs measurements, alternating; returns Map name -> measurements, in round order. */
export async function measureAlternating(specs, { rounds, load, onMeasurement } = {}) {
  const byName = new Map(specs.map((spec) => [spec.name, []]));
  for (let round = 0; round < rounds; round++) {
    // Reverse the order every other round so neither side always runs first.
    const order = round % 2 === 0 ? specs : [...specs].reverse();
    for (const spec of order) {
      const measurement = await measureReflector(spec, load);
      byName.get(spec.name).push(measurement);
      onMeasurement?.(spec, measurement, round);
    }
  }
  return byName;
}

const medianOf = (values) => {
  const known = values.filter((value) => typeof value === "number" && Number.isFinite(value));
  return known.length === 0 ? undefined : median(known);
};

/**
 * Medians over rounds: pps, the load generator's round-trip p50 and p99 in µs, reflector CPU% of
 * one core, reflector CPU µs per reflected packet, and, where the reflector reports them, idle
 * CPU% and its measured window's heap and GC figures.
 */
export function summarizeMeasurements(measurements) {
  const pps = measurements.map((m) => m.load.pps);
  const cpuPercent = measurements.map((m) => (100 * m.reflectorCpuSeconds) / m.wallSeconds);
  const cpuMicrosPerPacket = measurements.map(
    (m) => (1e6 * m.reflectorCpuSeconds) / Math.max(1, m.load.received),
  );
  const generatorCpuPercent = measurements.map((m) => (100 * m.load.cpuSeconds) / m.wallSeconds);
  const machineCpuPercent = measurements.map((m) => (100 * m.machineBusySeconds) / m.wallSeconds);
  const windows = measurements.map((m) => m.reflectorSummary?.window);
  return {
    pps: median(pps),
    ppsRuns: pps,
    rttP50Us: medianOf(measurements.map((m) => m.load.rttP50Us)),
    rttP99Us: medianOf(measurements.map((m) => m.load.rttP99Us)),
    cpuPercent: median(cpuPercent),
    cpuMicrosPerPacket: median(cpuMicrosPerPacket),
    generatorCpuPercent: median(generatorCpuPercent),
    machineCpuPercent: median(machineCpuPercent),
    idleCpuPercent: medianOf(measurements.map((m) => m.idleCpuPercent)),
    heapGrowthBytes: medianOf(windows.map((w) => w?.heapGrowthBytes)),
    heapGrowthPerPacket: medianOf(windows.map((w) => w?.heapGrowthPerPacket)),
    gcCount: medianOf(windows.map((w) => w?.gcCount)),
    gcCountMax: windows.some((w) => w !== undefined)
      ? Math.max(...windows.map((w) => w?.gcCount ?? 0))
      : undefined,
    gcMs: medianOf(windows.map((w) => w?.gcMs)),
    lost: sum(measurements.map((m) => m.load.lost)),
    corrupt: sum(measurements.map((m) => m.load.corrupt + m.load.unexpected)),
  };
}
