// One TCP measurement: fresh namespaces, the endpoint under test started in them (../tcp/README.md,
// "The endpoint contract"), the kernel-side program run against it, then everything torn down.
//
//   "tun" endpoints: one namespace. The endpoint creates its interface there; after "ready" the
//   harness gives the kernel's side 198.18.0.1/24 and the MTU and brings it up. The kernel-side
//   program runs in the same namespace and reaches 198.18.0.2 through the interface.
//   "veth" endpoints (the kernel's own TCP): two namespaces joined by a veth pair, configured
//   before the endpoint starts; the kernel-side program runs in the first, the endpoint in the
//   second.
import { execFileSync } from "node:child_process";
import { benchPaths, requireBuilt } from "./bench-paths.mjs";
import { lastJsonLine, runBoundedProgram } from "./bounded-program.mjs";
import { pinnedCpus } from "./cpu-pinning.mjs";
import {
  benchAddresses,
  configureBenchInterface,
  connectVethPair,
  createNetworkNamespace,
} from "./network-namespace.mjs";
import { readMachineBusySeconds, readProcessCpuSeconds } from "./process-cpu.mjs";
import { startReflector } from "./reflector-process.mjs";
import { endpointContract, tcpEndpointPorts } from "./tcp-endpoints.mjs";

/** The kernel-side interface facing a veth endpoint. */
const vethPeerInterfaceName = "mtcp1";
/** Added to every kernel-side program's own limits before it is killed. */
const slackMs = 15_000;
const wrkCpuSampleMs = 50;

const seconds = (startedNs) => Number(process.hrtime.bigint() - startedNs) / 1e9;

/** Runs `body({ peerNamespace, endpoint })` with the endpoint started and reachable; cleans up. */
async function withEndpoint(spec, { mtu, maxSeconds }, body) {
  requireBuilt(...spec.requires);
  const contract = endpointContract({ mtu, maxSeconds });
  const namespaces = [];
  let endpoint;
  try {
    const peerNamespace = createNetworkNamespace();
    namespaces.push(peerNamespace);
    let endpointNamespace = peerNamespace;
    if (spec.link === "veth") {
      endpointNamespace = createNetworkNamespace();
      namespaces.push(endpointNamespace);
      connectVethPair(peerNamespace, endpointNamespace, {
        localIfname: vethPeerInterfaceName,
        remoteIfname: contract.ifname,
        mtu,
      });
    }
    endpoint = await startReflector(
      endpointNamespace,
      { name: spec.name, ifname: contract.ifname, env: spec.env, argv: () => spec.argv(contract) },
      { readyLine: (line) => (line.trim() === "ready" ? { ready: true } : undefined) },
    );
    if (spec.link === "tun") configureBenchInterface(peerNamespace, contract.ifname, { mtu });
    const result = await body({ peerNamespace, endpoint, contract });
    const stopped = await endpoint.stop();
    endpoint = undefined;
    if (stopped.code !== 0) {
      throw new Error(
        `${spec.name} did not exit cleanly on SIGTERM (${stopped.code ?? stopped.signalName}). ` +
          stopped.stderr,
      );
    }
    return result;
  } finally {
    await endpoint?.stop();
    for (const namespace of namespaces.reverse()) namespace.destroy();
  }
}

/** Packets the kernel dropped on their way to a TUN endpoint (its queue was full). */
function tunDrops(namespace, ifname) {
  const [link] = JSON.parse(namespace.run(["ip", "-s", "-j", "link", "show", "dev", ifname]));
  return link?.stats64?.tx?.dropped ?? link?.stats?.tx?.dropped;
}

/**
 * Bulk throughput, one connection: "up" (kernel sends to the endpoint's SINK) or "down" (the
 * endpoint's SOURCE sends to the kernel). The endpoint's CPU is read when the client starts and
 * ends its measured window, so connecting and warming up are not counted.
 */
export async function measureBulk(spec, { direction, mtu, warmupMs, durationMs, verify = false }) {
  requireBuilt(benchPaths.tcpBulkClient);
  const timeLimitMs = 5_000 + warmupMs + durationMs + slackMs;
  return withEndpoint(
    spec,
    { mtu, maxSeconds: Math.ceil(timeLimitMs / 1000) + 30 },
    async (run) => {
      const { peerNamespace, endpoint, contract } = run;
      const mode = direction === "up" ? "send" : "receive";
      const port = direction === "up" ? tcpEndpointPorts.sink : tcpEndpointPorts.source;
      const argv = [
        benchPaths.tcpBulkClient,
        ...[mode, "--connect", contract.address, "--port", String(port)],
        ...["--warmup-ms", String(warmupMs), "--duration-ms", String(durationMs)],
        ...(verify ? ["--verify"] : []),
      ];
      let windowStart;
      let windowEnd;
      // Called from a stdout event: an endpoint that died meanwhile must not throw there.
      const mark = () => {
        try {
          return { at: process.hrtime.bigint(), cpu: endpoint.cpuSeconds() };
        } catch {
          return undefined;
        }
      };
      const client = await runBoundedProgram(
        peerNamespace.command(argv, pinnedCpus()?.loadGenerator),
        {
          timeLimitMs,
          onLine: (line) => {
            if (line.startsWith('{"measuring"')) windowStart = mark();
            else if (line.startsWith('{"mode"')) windowEnd = mark();
          },
        },
      );
      const result = lastJsonLine(client.stdout);
      if (client.code !== 0 || result?.mode !== mode) {
        throw new Error(
          `tcp-bulk-client ${mode} against ${spec.name} failed ` +
            `(${client.code ?? client.signal}): ${client.stderr.trim()}`,
        );
      }
      if (windowStart === undefined || windowEnd === undefined) {
        throw new Error(`${spec.name} exited during the measurement`);
      }
      const endpointSeconds = Number(windowEnd.at - windowStart.at) / 1e9;
      return {
        mbps: result.mbps,
        bytes: result.bytes,
        seconds: result.seconds,
        endpointCpuPercent: (100 * (windowEnd.cpu - windowStart.cpu)) / endpointSeconds,
        peerCpuPercent: (100 * result.cpuSeconds) / result.seconds,
        machineCpuPercent: (100 * result.machineBusySeconds) / result.seconds,
        retransmits: result.retransmits,
        outOfOrderPackets: result.outOfOrderPackets,
        longestGapMs: result.longestGapMs,
        mss: result.mss,
        tunDrops: spec.link === "tun" ? tunDrops(peerNamespace, contract.ifname) : undefined,
      };
    },
  );
}

function wrkArgv({ address, connections, threads, durationSeconds }) {
  return [
    "wrk",
    ...["--threads", String(threads), "--connections", String(connections)],
    ...["--duration", `${durationSeconds}s`, "--timeout", "2s"],
    ...["--script", benchPaths.wrkJsonSummary],
    `http://${address}:${tcpEndpointPorts.http}/`,
  ];
}

/** null when wrk can run, else why not. */
export function httpLoadProblem() {
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
  } catch (error) {
    // wrk --version prints its banner and exits 1; only a missing binary matters.
    if (error.code === "ENOENT") return "wrk is not installed (bash tools/bench/tcp/setup.sh)";
  }
  return null;
}

/**
 * Runs wrk once; its own CPU is sampled from /proc every 50 ms while it runs (the last sample
 * misses at most that much of its end), the endpoint's and the machine's around the run.
 */
async function runWrk(peerNamespace, endpoint, load) {
  const argv = peerNamespace.command(wrkArgv(load), pinnedCpus()?.loadGenerator);
  let wrkCpu = 0;
  let sampler;
  const machineBefore = readMachineBusySeconds();
  const endpointBefore = endpoint.cpuSeconds();
  const started = process.hrtime.bigint();
  const run = await runBoundedProgram(argv, {
    timeLimitMs: load.durationSeconds * 1000 + slackMs,
    onStarted: (pid) => {
      sampler = setInterval(() => {
        try {
          wrkCpu = readProcessCpuSeconds(pid);
        } catch {
          // It has just exited: keep the last sample.
        }
      }, wrkCpuSampleMs);
    },
  });
  clearInterval(sampler);
  const wallSeconds = seconds(started);
  const endpointCpu = endpoint.cpuSeconds() - endpointBefore;
  const machineBusy = readMachineBusySeconds() - machineBefore;
  const summary = lastJsonLine(run.stdout);
  if (run.code !== 0 || summary?.requests === undefined) {
    throw new Error(`wrk failed (${run.code ?? run.signal}): ${run.stderr.trim()} ${run.stdout}`);
  }
  return { summary, wallSeconds, endpointCpu, wrkCpu, machineBusy };
}

/**
 * HTTP requests per second: `connections` keep-alive connections each making one small GET after
 * another for `durationMs` (whole seconds, at least 1), after a warm-up run of `warmupMs`.
 */
export async function measureHttp(spec, { connections, threads, warmupMs, durationMs }) {
  const durationSeconds = Math.max(1, Math.round(durationMs / 1000));
  const warmupSeconds = Math.max(1, Math.round(warmupMs / 1000));
  const maxSeconds = warmupSeconds + durationSeconds + (2 * slackMs) / 1000 + 30;
  return withEndpoint(spec, { mtu: 1500, maxSeconds }, async ({ peerNamespace, endpoint }) => {
    const load = { address: benchAddresses.remote, connections, threads };
    await runWrk(peerNamespace, endpoint, { ...load, durationSeconds: warmupSeconds });
    const measured = await runWrk(peerNamespace, endpoint, { ...load, durationSeconds });
    const { summary, wallSeconds } = measured;
    const errors = Object.values(summary.errors).reduce((total, count) => total + count, 0);
    return {
      requestsPerSecond: summary.requests / (summary.durationMicros / 1e6),
      requests: summary.requests,
      errors,
      latencyMicros: summary.latencyMicros,
      endpointCpuPercent: (100 * measured.endpointCpu) / wallSeconds,
      peerCpuPercent: (100 * measured.wrkCpu) / wallSeconds,
      machineCpuPercent: (100 * measured.machineBusy) / wallSeconds,
    };
  });
}
