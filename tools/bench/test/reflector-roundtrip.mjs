// End-to-end check of one reflector with real kernel traffic: 1000 UDP datagrams per payload
// size go out through the TUN interface and every one must come back intact. The load
// generator's connected socket only accepts replies whose addresses and ports were swapped and
// whose checksums the kernel verified; it compares each payload byte and counts every sequence
// number once. Run by ctest (see CMakeLists.txt); exits 77 (skipped) without root or
// /dev/net/tun unless MAGMA_REQUIRE_TUN=1.
//
//   node tools/bench/test/reflector-roundtrip.mjs c-direct|c-emulator

import { networkPrerequisiteProblem } from "../lib/network-namespace.mjs";
import { measureReflector } from "../lib/reflector-measurement.mjs";
import { cReflectorDirect, cReflectorOverEmulator } from "../lib/reflectors.mjs";

const packets = 1000;
const payloadSizes = [16, 64, 1472]; // 1472: the largest datagram a 1500-byte MTU carries whole

const specs = {
  "c-direct": () => cReflectorDirect(),
  // Strict mode: any misuse of the wintun API by the reflector aborts it, and the test fails.
  "c-emulator": () => cReflectorOverEmulator({ env: { WINTUN_EMU_STRICT: "1" } }),
};

const name = process.argv[2] ?? "";
const makeSpec = specs[name];
if (makeSpec === undefined) {
  console.error(`usage: reflector-roundtrip.mjs ${Object.keys(specs).join("|")}`);
  process.exit(2);
}
const problem = networkPrerequisiteProblem();
if (problem !== null) {
  if (process.env.MAGMA_REQUIRE_TUN === "1") {
    console.error(`MAGMA_REQUIRE_TUN=1 but the reflector test cannot run: ${problem}`);
    process.exit(1);
  }
  console.log(`skipped: ${problem}`);
  process.exit(77);
}

const failures = [];
for (const payloadBytes of payloadSizes) {
  const result = await measureReflector(makeSpec(), {
    payloadBytes,
    window: 64,
    warmupMs: 0,
    durationMs: 10_000,
    maxPackets: packets,
    stallMs: 500,
  });
  const { load, reflectorSummary, reflectorExit } = result;
  const expect = (what, actual, expected) => {
    if (actual !== expected)
      failures.push(`${payloadBytes} B: ${what} ${actual}, expected ${expected}`);
  };
  expect("sent", load.sent, packets);
  expect("received intact", load.received, packets);
  expect("lost", load.lost, 0);
  expect("corrupt", load.corrupt, 0);
  expect("answered twice", load.unexpected, 0);
  expect("reflector exit code", reflectorExit, 0);
  expect("reflected by the reflector", reflectorSummary?.reflected, packets);
  // IPv6 is off on the interface, so nothing but the generator's datagrams reaches it.
  expect("ignored by the reflector", reflectorSummary?.ignored, 0);
  expect("reflector drops", reflectorSummary?.dropped, 0);
  console.log(`${name} ${payloadBytes}-byte payload: ${load.received}/${load.sent} back intact`);
}
if (failures.length > 0) {
  console.error(failures.join("\n"));
  process.exit(1);
}
