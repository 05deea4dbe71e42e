// End-to-end check of one reflector with real kernel traffic: `packets` UDP datagrams per payload
// size go out through its TUN interface and every one must come back intact. The load
// generator's connected socket only accepts replies whose addresses and ports were swapped and
// whose checksums the kernel verified; it compares each payload byte and counts every sequence
// number once.
import { networkPrerequisiteProblem } from "./network-namespace.mjs";
import { measureReflector } from "./reflector-measurement.mjs";

/** 1472: the largest datagram a 1500-byte MTU carries whole. */
export const roundTripPayloadSizes = [16, 64, 1472];

/**
 * Exits 77 (skipped) when this machine cannot run it, or 1 under MAGMA_REQUIRE_TUN=1; otherwise
 * returns the failures (empty when every datagram came back), printing one line per size. With
 * `flows` above 1 the load generator sends that many UDP flows at once, sharing the packets.
 */
export async function checkRoundTrip(makeSpec, { packets = 1000, flows = 1 } = {}) {
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
  for (const payloadBytes of roundTripPayloadSizes) {
    const spec = makeSpec();
    const result = await measureReflector(
      spec,
      {
        payloadBytes,
        window: 64,
        warmupMs: 0,
        durationMs: 10_000,
        maxPackets: packets,
        stallMs: 500,
        flows,
      },
      { idleCpu: false },
    );
    const { load, reflectorSummary, reflectorExit } = result;
    const expect = (what, actual, expected) => {
      if (actual !== expected)
        failures.push(`${payloadBytes} B: ${what} ${actual}, expected ${expected}`);
    };
    expect("flows", load.flows, flows);
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
    console.log(
      `${spec.name} ${payloadBytes}-byte payload, ${flows} flow${flows > 1 ? "s" : ""}: ` +
        `${load.received}/${load.sent} back intact`,
    );
  }
  return failures;
}
