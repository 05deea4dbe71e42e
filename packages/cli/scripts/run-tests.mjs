// The package's `test` task. The end-to-end tests run `magma` against the emulator: they create
// adapters and configure addresses, so the whole vitest run happens inside a network namespace
// of its own (`unshare --net`) when the machine allows it; without root or /dev/net/tun they skip
// on a developer machine, and fail when MAGMA_REQUIRE_TUN=1 (CI).
//
//   node scripts/run-tests.mjs [vitest arguments...]
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  requireNetworkTests,
  runVitestInNamespace,
} from "../../../tools/test-report/network-vitest.mjs";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
requireNetworkTests("cli");
process.exit(
  runVitestInNamespace({ packageDir, reportName: "vitest.json", args: process.argv.slice(2) }),
);
