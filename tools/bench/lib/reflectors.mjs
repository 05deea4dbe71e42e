// The reflectors this folder builds, as specs for startReflector / measureReflector. Another
// suite adds its own the same way: { name, label, ifname, argv(ifname), env?, requires? }.
import { benchPaths } from "./bench-paths.mjs";

/** Interface (and adapter) name every reflector is given; each run has its own namespace. */
export const benchInterfaceName = "mbench0";

/** The C reflector on the wintun API, over the emulator (tools/wintun-emu). */
export function cReflectorOverEmulator({ spinMicros, ringCapacity, env } = {}) {
  return {
    name: "c-emulator",
    label: "C reflector, wintun emulator",
    ifname: benchInterfaceName,
    requires: [benchPaths.wintunReflector, benchPaths.wintunEmulatorLibrary],
    env: env ?? {},
    argv: (ifname) => [
      benchPaths.wintunReflector,
      ...["--library", benchPaths.wintunEmulatorLibrary, "--adapter", ifname],
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
