// The reflectors this folder builds, as specs for startReflector / measureReflector. Another
// suite adds its own the same way: { name, label, ifname, argv(ifname), env?, requires? }.
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
