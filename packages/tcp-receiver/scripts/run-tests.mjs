// The package's `test` task: the whole vitest run happens inside a network namespace of its own
// (see tools/test-report/network-vitest.mjs), so the kernel-peer tests can create adapters there.
// Without root and /dev/net/tun those tests skip on a developer machine, and fail when
// MAGMA_REQUIRE_TUN=1 (CI).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  requireNetworkTests,
  runVitestInNamespace,
} from "../../../tools/test-report/network-vitest.mjs";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
requireNetworkTests("tcp-receiver");
const status = runVitestInNamespace({
  packageDir,
  reportName: "vitest.json",
  // kernel-peer-tap.test.ts: call sequences the real TAP driver would reject abort the run.
  env: { TAP_EMU_STRICT: "1" },
  args: process.argv.slice(2),
});
process.exit(status);
