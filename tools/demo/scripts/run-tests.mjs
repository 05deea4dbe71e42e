// The package's `test` task. The end-to-end tests create a WinTun adapter (the emulator over
// /dev/net/tun) and send it kernel traffic, so they run inside a network namespace of their own
// (tools/test-report/network-vitest.mjs); without root or /dev/net/tun they skip on a developer
// machine and fail when MAGMA_REQUIRE_TUN=1.
//
//   node scripts/run-tests.mjs [vitest arguments...]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireNetworkTests, runVitestInNamespace } from "../../test-report/network-vitest.mjs";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
requireNetworkTests("demo");
process.exit(
  runVitestInNamespace({ packageDir, reportName: "vitest.json", args: process.argv.slice(2) }),
);
