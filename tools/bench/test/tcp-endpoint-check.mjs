// End-to-end check of a kernel-TCP endpoint of the TCP benchmark with the harness itself
// (../lib/tcp-measurement.mjs): across a veth pair between two fresh namespaces, tcp-bulk-client
// sends to its SINK and receives from its SOURCE for 300 ms each, checking every received byte
// against the bulk pattern, and the endpoint must exit 0 on SIGTERM. Run by ctest (see
// CMakeLists.txt); exits 77 (skipped) without root or /dev/net/tun unless MAGMA_REQUIRE_TUN=1.
//
//   node tools/bench/test/tcp-endpoint-check.mjs kernel|kernel-node
import { networkPrerequisiteProblem } from "../lib/network-namespace.mjs";
import { tcpEndpoints } from "../lib/tcp-endpoints.mjs";
import { measureBulk } from "../lib/tcp-measurement.mjs";

const checked = ["kernel", "kernel-node"];
const name = process.argv[2] ?? "";
const spec = tcpEndpoints.find((endpoint) => endpoint.name === name);
if (!checked.includes(name) || spec === undefined) {
  console.error(`usage: tcp-endpoint-check.mjs ${checked.join("|")}`);
  process.exit(2);
}
const problem = networkPrerequisiteProblem();
if (problem !== null) {
  if (process.env.MAGMA_REQUIRE_TUN === "1") {
    console.error(`MAGMA_REQUIRE_TUN=1 but the TCP endpoint check cannot run: ${problem}`);
    process.exit(1);
  }
  console.log(`skipped: ${problem}`);
  process.exit(77);
}

for (const direction of ["up", "down"]) {
  const result = await measureBulk(spec, {
    direction,
    mtu: 1500,
    warmupMs: 100,
    durationMs: 300,
    verify: true,
  });
  if (!(result.bytes > 0)) {
    console.error(`${name} ${direction}: no bytes moved in the measured window`);
    process.exit(1);
  }
  console.log(`${name} ${direction}: ${result.bytes} bytes in ${result.seconds.toFixed(3)} s`);
}
