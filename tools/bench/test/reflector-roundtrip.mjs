// End-to-end check of one reflector with real kernel traffic (../lib/roundtrip-check.mjs): 1000
// UDP datagrams per payload size go out through its interface and every one must come back
// intact and be counted by the reflector. Run by ctest (see CMakeLists.txt); exits 77 (skipped)
// without root or /dev/net/tun unless MAGMA_REQUIRE_TUN=1.
//
//   node tools/bench/test/reflector-roundtrip.mjs \
//     c-direct|c-emulator|c-emulator-4-flows|c-emulator-extra-work|node-magma-port|...

import {
  appiumTuntapReflector,
  cReflectorDirect,
  cReflectorOverEmulator,
  magmaPortReflector,
} from "../lib/reflectors.mjs";
import { checkRoundTrip } from "../lib/roundtrip-check.mjs";

// Strict mode: any misuse of the wintun API (or of the TAP driver's) by a reflector aborts it,
// and the test fails.
const strict = { env: { WINTUN_EMU_STRICT: "1" } };
const tapStrict = { env: { TAP_EMU_STRICT: "1" } };
const specs = {
  "c-direct": () => cReflectorDirect(),
  "c-emulator": () => cReflectorOverEmulator(strict),
  // The load generator's flows (the scaling suite's load): every flow's datagrams come back and
  // are counted once in the sum.
  "c-emulator-4-flows": () => cReflectorOverEmulator({ name: "c-emulator-4-flows", ...strict }),
  // The calibration's busy wait must delay each reply, not lose or corrupt it.
  "c-emulator-extra-work": () =>
    cReflectorOverEmulator({ name: "c-emulator-extra-work", extraWorkNs: 20_000, ...strict }),
  "node-magma-port": () => magmaPortReflector(strict),
  "node-magma-tap-port": () => magmaPortReflector({ backend: "tap", ...tapStrict }),
  "node-appium-tuntap": () => appiumTuntapReflector(),
};

const name = process.argv[2] ?? "";
const makeSpec = specs[name];
if (makeSpec === undefined) {
  console.error(`usage: reflector-roundtrip.mjs ${Object.keys(specs).join("|")}`);
  process.exit(2);
}
const flows = Number(/-(\d+)-flows$/.exec(name)?.[1] ?? 1);
const failures = await checkRoundTrip(makeSpec, { flows });
if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
