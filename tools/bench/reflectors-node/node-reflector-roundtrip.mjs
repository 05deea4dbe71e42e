// End to end with kernel traffic for the two Node.js reflectors: 1000 UDP datagrams per payload
// size (16, 64, 1472 bytes) through the reflector, every one back intact, counted exactly by the
// reflector too (see ../lib/roundtrip-check.mjs). Run by ctest (../test/CMakeLists.txt); exits 77
// (skipped) without root or /dev/net/tun unless MAGMA_REQUIRE_TUN=1.
//
//   node tools/bench/reflectors-node/node-reflector-roundtrip.mjs node-magma-port|node-appium-tuntap

import { appiumTuntapReflector, magmaPortReflector } from "../lib/reflectors.mjs";
import { checkRoundTrip } from "../lib/roundtrip-check.mjs";

const specs = {
  // Strict mode: any misuse of the wintun API by the port aborts the reflector, and the test fails.
  "node-magma-port": () => magmaPortReflector({ env: { WINTUN_EMU_STRICT: "1" } }),
  "node-appium-tuntap": () => appiumTuntapReflector(),
};

const name = process.argv[2] ?? "";
const makeSpec = specs[name];
if (makeSpec === undefined) {
  console.error(`usage: node-reflector-roundtrip.mjs ${Object.keys(specs).join("|")}`);
  process.exit(2);
}
const failures = await checkRoundTrip(makeSpec);
if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
