// The endpoints the TCP benchmark (../suites/tcp.bench.mjs) measures, all in this one list. An
// endpoint is a program that follows the contract of ../tcp/README.md; adding one is one more
// entry:
//
//   name        what MAGMA_BENCH_TCP_ENDPOINTS selects it by
//   label       what the tables print; httpServer names the HTTP server program in its HTTP row
//   link        "tun": it creates the interface `ifname` itself (a TUN device, or a Wintun adapter
//               of that name, whose Linux interface the emulator names after the adapter), and
//               the harness configures the kernel's side of it after "ready";
//               "veth": it runs on the kernel's own TCP in a second namespace, across a veth pair
//               the harness has made and configured before starting it
//   bulk, http  whether it serves SINK 5001 + SOURCE 5002, and HTTP on 8080
//   mtus        the MTUs it runs at
//   ours        our stack: the ratio table sets it against gVisor and the kernel
//   baseline    "bulk" or "http": the row the other endpoints are divided by in those tests
//   requires    files that must exist before it can start; `build` says how to make them
//   argv(contract)  its command line; `contract` is { ifname, address, peer, prefixLength, mtu,
//               maxSeconds }, and contractArgv(contract) gives the standard flags
//   env         extra environment variables
import { benchPaths } from "./bench-paths.mjs";
import { benchAddresses } from "./network-namespace.mjs";

/** The interface each endpoint is given (the veth end on its side, for "veth" endpoints). */
export const tcpEndpointInterfaceName = "mtcp0";

/** The contract's ports. */
export const tcpEndpointPorts = { sink: 5001, source: 5002, http: 8080 };

/** What an endpoint is told: its interface, its address, the kernel side's, the MTU. */
export function endpointContract({ mtu, maxSeconds = 600 }) {
  return {
    ifname: tcpEndpointInterfaceName,
    address: benchAddresses.remote,
    peer: benchAddresses.local,
    prefixLength: benchAddresses.prefixLength,
    mtu,
    maxSeconds,
  };
}

/** The standard flags: --ifname --address --peer --prefix-length --mtu --max-seconds. */
export function contractArgv(contract) {
  return [
    ...["--ifname", contract.ifname, "--address", contract.address, "--peer", contract.peer],
    ...["--prefix-length", String(contract.prefixLength), "--mtu", String(contract.mtu)],
    ...["--max-seconds", String(contract.maxSeconds)],
  ];
}

const cmakeBuild =
  "cmake -S tools/bench -B tools/bench/build -DCMAKE_BUILD_TYPE=Release && " +
  "cmake --build tools/bench/build";
const setupBuild = "bash tools/bench/tcp/setup.sh (installs Go, gVisor, lwIP and wrk, then builds)";
const bothMtus = [1500, 65535];
/**
 * Flags for the Node.js endpoints' `node`, from MAGMA_BENCH_TCP_NODE_FLAGS (space-separated), e.g.
 * "--cpu-prof --cpu-prof-dir=/tmp/tcp-profiles": Node does not take --cpu-prof from NODE_OPTIONS.
 */
const nodeFlags = (process.env.MAGMA_BENCH_TCP_NODE_FLAGS ?? "").split(" ").filter((flag) => flag);

export const tcpEndpoints = [
  {
    name: "kernel",
    label: "kernel TCP, veth (C)",
    link: "veth",
    bulk: true,
    http: false,
    mtus: bothMtus,
    baseline: "bulk",
    requires: [benchPaths.tcpKernelEndpoint],
    build: cmakeBuild,
    argv: (contract) => [benchPaths.tcpKernelEndpoint, ...contractArgv(contract)],
  },
  {
    name: "kernel-node",
    label: "kernel TCP, veth (Node.js net)",
    httpServer: "Node.js http.Server",
    link: "veth",
    bulk: true,
    http: true,
    mtus: bothMtus,
    baseline: "http",
    requires: [benchPaths.tcpNodeKernelEndpoint],
    build: "nothing to build",
    argv: (contract) => [
      process.execPath,
      ...nodeFlags,
      benchPaths.tcpNodeKernelEndpoint,
      ...contractArgv(contract),
    ],
  },
  {
    name: "gvisor",
    label: "gVisor netstack, TUN (Go)",
    httpServer: "Go net/http",
    link: "tun",
    bulk: true,
    http: true,
    mtus: bothMtus,
    requires: [benchPaths.tcpGvisorEndpoint],
    build: setupBuild,
    argv: (contract) => [benchPaths.tcpGvisorEndpoint, ...contractArgv(contract)],
  },
  {
    name: "lwip",
    label: "lwIP raw API, TUN (C)",
    httpServer: "C responder",
    link: "tun",
    bulk: true,
    http: true,
    mtus: bothMtus,
    requires: [benchPaths.tcpLwipEndpoint],
    build: setupBuild,
    argv: (contract) => [benchPaths.tcpLwipEndpoint, ...contractArgv(contract)],
  },
  oursEndpoint({ name: "ours", label: "@magma/tcp-receiver, wintun emulator (Node.js)" }),
  // The same on a port's workers (WinTunPort's `workers`): HTTP only, where many connections give
  // the workers flows to share.
  oursEndpoint({ name: "ours-1-worker", label: "@magma/tcp-receiver on 1 worker", workers: 1 }),
  oursEndpoint({ name: "ours-2-workers", label: "@magma/tcp-receiver on 2 workers", workers: 2 }),
];

/** Our stack over WinTunPort; with `workers`, its receiver runs on that many worker threads. */
function oursEndpoint({ name, label, workers = 0 }) {
  return {
    name,
    label,
    httpServer: "Node.js http.Server",
    link: "tun",
    bulk: workers === 0,
    http: true,
    mtus: workers === 0 ? bothMtus : [1500],
    ours: workers === 0,
    requires: [
      benchPaths.tcpMagmaEndpoint,
      benchPaths.tcpReceiverDist,
      benchPaths.wintunNativeAddon,
      benchPaths.wintunNativeDist,
      benchPaths.wintunEmulatorLibrary,
    ],
    build:
      "pnpm --filter @magma/wintun-emu build && pnpm --filter @magma/wintun-native build && " +
      "pnpm --filter @magma/tcp-receiver build",
    env: {
      MAGMA_WINTUN_LIBRARY: benchPaths.wintunEmulatorLibrary,
      ...(workers === 0 ? {} : { MAGMA_BENCH_TCP_WORKERS: String(workers) }),
    },
    argv: (contract) => [
      process.execPath,
      ...nodeFlags,
      benchPaths.tcpMagmaEndpoint,
      ...contractArgv(contract),
    ],
  };
}
