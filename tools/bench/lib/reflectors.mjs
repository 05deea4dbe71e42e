// The reflectors this folder builds, as specs for startReflector / measureReflector. Another
// suite adds its own the same way: { name, label, ifname, argv(ifname), env?, requires?,
// measuredWindow? (answers SIGUSR2, see reflector-process.mjs), measureIdleCpu? }.
import { benchPaths } from "./bench-paths.mjs";

/** Interface (and adapter) name every reflector is given; each run has its own namespace. */
export const benchInterfaceName = "mbench0";

/**
 * The C reflector on the wintun API, over the emulator (tools/wintun-emu). `library` compares
 * another build of the emulator (give it its own `name`).
 */
export function cReflectorOverEmulator({
  name = "c-emulator",
  library = benchPaths.wintunEmulatorLibrary,
  spinMicros,
  ringCapacity,
  env,
} = {}) {
  return {
    name,
    label: name === "c-emulator" ? "C reflector, wintun emulator" : `C reflector, ${name}`,
    ifname: benchInterfaceName,
    requires: [benchPaths.wintunReflector, library],
    env: env ?? {},
    argv: (ifname) => [
      benchPaths.wintunReflector,
      ...["--library", library, "--adapter", ifname],
      ...(spinMicros === undefined ? [] : ["--spin-us", String(spinMicros)]),
      ...(ringCapacity === undefined ? [] : ["--capacity", String(ringCapacity)]),
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
 * Ours: the Node.js reflector written against WinTunPort (@magma/wintun-native), over the emulator.
 * It reports heap and GC over the measured window; its CPU is also read with no traffic.
 * `inlineReceiveMicroseconds` overrides the session's (0: the receive thread receives every batch
 * and never lends JavaScript the ring); `workers` runs the receiver on that many worker threads
 * (the port's `workers` option); `workPasses` adds fixed CPU-bound work per packet
 * (udp-reflector-receiver.mjs). Give such a variant its own `name` and `label`.
 */
export function magmaPortReflector({
  name = "node-magma-port",
  label = "Node.js, Magma WinTunPort, emulator",
  library = benchPaths.wintunEmulatorLibrary,
  inlineReceiveMicroseconds,
  workers = 0,
  workPasses = 0,
  env,
} = {}) {
  return {
    name,
    label,
    ifname: benchInterfaceName,
    requires: [
      benchPaths.magmaPortReflector,
      benchPaths.wintunNativeDist,
      benchPaths.wintunNativeAddon,
      library,
    ],
    env: {
      MAGMA_WINTUN_LIBRARY: library,
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
