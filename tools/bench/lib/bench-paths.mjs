// Where the benchmark's native programs are once built (see tools/bench/reflector/README.md and
// tools/bench/tcp/README.md).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const benchDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = process.env.MAGMA_BENCH_BUILD_DIR ?? join(benchDir, "build");
const nodeReflectorsDir = join(benchDir, "reflectors-node");
const tcpDir = join(benchDir, "tcp");
const tcpBuildDir = join(buildDir, "tcp");
/** node-gyp-build looks for build/Release/*.node under APPIUM_IOS_TUNTAP_PREBUILD. */
const appiumTuntapPrebuildDir = join(buildDir, "appium-ios-tuntap");

export const benchPaths = {
  loadGenerator: join(buildDir, "loadgen", "udp-loadgen"),
  tunReflector: join(buildDir, "reflector", "udp-reflector-tun"),
  wintunReflector: join(buildDir, "reflector", "udp-reflector-wintun"),
  magmaPortReflector: join(nodeReflectorsDir, "magma-port-reflector.mjs"),
  appiumTuntapReflector: join(nodeReflectorsDir, "appium-tuntap-reflector.mjs"),
  appiumTuntapPrebuildDir,
  tcpBulkClient: join(tcpBuildDir, "kernel", "tcp-bulk-client"),
  tcpKernelEndpoint: join(tcpBuildDir, "kernel", "tcp-endpoint-kernel"),
  tcpNodeKernelEndpoint: join(tcpDir, "node", "kernel-endpoint.mjs"),
  tcpMagmaEndpoint: join(tcpDir, "node", "magma-endpoint.mjs"),
  tcpGvisorEndpoint: join(tcpBuildDir, "gvisor", "tcp-endpoint-gvisor"),
  tcpLwipEndpoint: join(tcpBuildDir, "lwip", "tcp-endpoint-lwip"),
  wrkJsonSummary: join(tcpDir, "http", "wrk-json-summary.lua"),
  appiumTuntapAddon: join(appiumTuntapPrebuildDir, "build", "Release", "tuntap.node"),
  wintunNativeAddon: resolve(
    benchDir,
    "..",
    "..",
    "packages",
    "wintun-native",
    "build",
    "Release",
    "magma_wintun.node",
  ),
  wintunNativeDist: resolve(benchDir, "..", "..", "packages", "wintun-native", "dist", "index.js"),
  tapLegacyDist: resolve(benchDir, "..", "..", "packages", "tap-legacy", "dist", "index.js"),
  tcpReceiverDist: resolve(benchDir, "..", "..", "packages", "tcp-receiver", "dist", "index.js"),
  wintunEmulatorLibrary:
    process.env.MAGMA_WINTUN_LIBRARY ??
    resolve(benchDir, "..", "wintun-emu", "build", "libwintun.so"),
  tapEmulatorLibrary:
    process.env.MAGMA_TAP_LIBRARY ??
    resolve(benchDir, "..", "tap-windows-emu", "build", "libtapwindowsemu.so"),
};

/** Throws with the command that builds them when any of the given files is missing. */
export function requireBuilt(...files) {
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `not built: ${missing.join(", ")}. Build with: cmake -S tools/bench -B tools/bench/build ` +
        "-DCMAKE_BUILD_TYPE=Release && cmake --build tools/bench/build " +
        "(and pnpm --filter @magma/wintun-emu build for libwintun.so, " +
        "pnpm --filter @magma/tap-windows-emu build for libtapwindowsemu.so, " +
        "pnpm --filter @magma/wintun-native --filter @magma/tap-legacy build for the ports)",
    );
  }
}
