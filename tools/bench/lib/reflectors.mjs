// The reflectors this folder builds, as specs for startReflector / measureReflector. Another
// suite adds its own the same way: { name, label, ifname, argv(ifname), env?, requires?,
// measuredWindow? (answers SIGUSR2, see reflector-process.mjs), measureIdleCpu? }.
import { benchPaths } from "./bench-paths.mjs";
import { benchAddresses } from "./network-namespace.mjs";

/** Interface (and adapter) name every reflector is given; each run has its own namespace. */
export const benchInterfaceName = "mbench0";

/**
 * The C reflector on the wintun API, over the emulator (tools/wintun-emu). `library` compares
 * another build of the emulator (give it its own `name`). `extraWorkNs` makes it busy-wait that
 * long on each reply: a calibration of what a little more work per packet costs the benchmark.
 */
export function cReflectorOverEmulator({
  name = "c-emulator",
  library = benchPaths.wintunEmulatorLibrary,
  spinMicros,
  ringCapacity,
  extraWorkNs,
  label,
  env,
} = {}) {
  return {
    name,
    label:
      label ?? (name === "c-emulator" ? "C reflector, wintun emulator" : `C reflector, ${name}`),
    ifname: benchInterfaceName,
    requires: [benchPaths.wintunReflector, library],
    env: env ?? {},
    argv: (ifname) => [
      benchPaths.wintunReflector,
      ...["--library", library, "--adapter", ifname],
      ...(spinMicros === undefined ? [] : ["--spin-us", String(spinMicros)]),
      ...(ringCapacity === undefined ? [] : ["--capacity", String(ringCapacity)]),
      ...(extraWorkNs === undefined ? [] : ["--extra-work-ns", String(extraWorkNs)]),
    ],
  };
}

/** The same reflector straight on /dev/net/tun: the baseline. */
export function cReflectorDirect() {
  return {
    name: "c-direct",
    label: "C reflector, /dev/net/tun",
    ifname: benchInterfaceName,
    requires: [benchPaths.tunReflector],
    env: {},
    argv: (ifname) => [benchPaths.tunReflector, "--ifname", ifname],
  };
}

/** Node.js, given --expose-gc so a reflector can start its measured window from a full GC. */
const nodeArgv = (script) => [process.execPath, "--expose-gc", script];

/**
 * What differs between the backends magma-port-reflector.mjs runs its receiver on
 * (../reflectors-node/port-backends.mjs): the row's default name and label, the package and
 * emulator library it needs, the variable that points the package at that library, and the
 * reflector's options. The TAP port configures its adapter's kernel side itself (CONFIG_TUN needs
 * the address), with the same address the harness gives the WinTun row's interface.
 */
const portBackendSpecs = {
  wintun: {
    name: "node-magma-port",
    label: "Node.js, Magma WinTunPort, emulator",
    dist: benchPaths.wintunNativeDist,
    library: benchPaths.wintunEmulatorLibrary,
    libraryVariable: "MAGMA_WINTUN_LIBRARY",
    options: [],
  },
  tap: {
    name: "node-magma-tap-port",
    label: "Node.js, Magma TapPort, TAP emulator",
    dist: benchPaths.tapLegacyDist,
    library: benchPaths.tapEmulatorLibrary,
    libraryVariable: "MAGMA_TAP_LIBRARY",
    options: [
      ...["--backend", "tap"],
      ...["--address", `${benchAddresses.local}/${benchAddresses.prefixLength}`],
    ],
  },
};

/**
 * Ours: the Node.js reflector written against Magma's port, over an emulator: `backend` "wintun"
 * (WinTunPort, @magma/wintun-native, the wintun emulator) or "tap" (TapPort, @magma/tap-legacy,
 * the TAP-Windows emulator); the receiver and its loop are the same. It reports heap and GC over
 * the measured window; its CPU is also read with no traffic. `library` replaces the backend's
 * emulator build. `inlineReceiveMicroseconds` overrides the session's (0: the receive thread
 * receives every batch and never lends JavaScript the ring); `workers` runs the receiver on that
 * many worker threads (the port's `workers` option); `workPasses` adds fixed CPU-bound work per
 * packet (udp-reflector-receiver.mjs). Give such a variant its own `name` and `label`.
 */
export function magmaPortReflector({
  backend = "wintun",
  name,
  label,
  library,
  inlineReceiveMicroseconds,
  workers = 0,
  workPasses = 0,
  env,
} = {}) {
  const backendSpec = portBackendSpecs[backend];
  if (backendSpec === undefined) {
    throw new Error(`backend must be one of ${Object.keys(portBackendSpecs).join(", ")}`);
  }
  const libraryPath = library ?? backendSpec.library;
  return {
    name: name ?? backendSpec.name,
    label: label ?? backendSpec.label,
    ifname: benchInterfaceName,
    requires: [
      benchPaths.magmaPortReflector,
      backendSpec.dist,
      benchPaths.wintunNativeDist,
      benchPaths.wintunNativeAddon,
      libraryPath,
    ],
    env: {
      [backendSpec.libraryVariable]: libraryPath,
      ...(inlineReceiveMicroseconds === undefined
        ? {}
        : { MAGMA_BENCH_INLINE_US: String(inlineReceiveMicroseconds) }),
      MAGMA_BENCH_WORK_PASSES: String(workPasses),
      ...env,
    },
    measuredWindow: true,
    measureIdleCpu: true,
    argv: (ifname) => [
      ...nodeArgv(benchPaths.magmaPortReflector),
      ...["--adapter", ifname],
      ...backendSpec.options,
      ...(workers === 0 ? [] : ["--workers", String(workers)]),
    ],
  };
}

/** The same reflector on appium-ios-tuntap over /dev/net/tun (its addon built from source). */
export function appiumTuntapReflector({ env } = {}) {
  return {
    name: "node-appium-tuntap",
    label: "Node.js, appium-ios-tuntap, /dev/net/tun",
    ifname: benchInterfaceName,
    requires: [benchPaths.appiumTuntapReflector, benchPaths.appiumTuntapAddon],
    env: { APPIUM_IOS_TUNTAP_PREBUILD: benchPaths.appiumTuntapPrebuildDir, ...env },
    measuredWindow: true,
    measureIdleCpu: true,
    argv: (ifname) => [...nodeArgv(benchPaths.appiumTuntapReflector), "--ifname", ifname],
  };
}
