// The package's `test` task. The end-to-end tests create WinTun and TAP-Windows adapters (the
// emulators over /dev/net/tun) and send them kernel traffic, so they run inside a network
// namespace of their own (tools/test-report/network-vitest.mjs); without root or /dev/net/tun
// they skip on a developer machine and fail when MAGMA_REQUIRE_TUN=1.
//
//   node scripts/run-tests.mjs [vitest arguments...]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireNetworkTests, runVitestInNamespace } from "../../test-report/network-vitest.mjs";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
requireNetworkTests("demo");
process.exit(
  runVitestInNamespace({
    packageDir,
    reportName: "vitest.json",
    // The TAP emulator aborts on call sequences the real driver rejects instead of passing them.
    env: { TAP_EMU_STRICT: "1" },
    args: process.argv.slice(2),
  }),
);
