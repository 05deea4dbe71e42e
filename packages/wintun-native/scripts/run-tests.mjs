// The package's `test` task. Network tests need a fresh network namespace, root and /dev/net/tun:
// with them, the whole vitest run happens inside `unshare --net` (its own loopback, no route out),
// so every adapter, address and packet of the suite stays in a namespace nobody else sees. Without
// them the network tests skip on a developer machine, and fail when MAGMA_REQUIRE_TUN=1 (CI).
// Then the AddressSanitizer run (scripts/run-asan-tests.sh) repeats the native tests, and the
// ThreadSanitizer run (scripts/run-tsan-tests.sh) repeats the suites that drive the native threads.
//
//   node scripts/run-tests.mjs [--no-asan] [--no-tsan] [vitest arguments...]
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  requireNetworkTests,
  runVitestInNamespace,
} from "../../../tools/test-report/network-vitest.mjs";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runAsan = !args.includes("--no-asan");
const runTsan = !args.includes("--no-tsan");
const vitestArgs = args.filter((a) => a !== "--no-asan" && a !== "--no-tsan");

const missing = requireNetworkTests("wintun-native");

// Strict mode of the emulator: any misuse of the wintun API aborts the test run with its name.
let failed =
  runVitestInNamespace({
    packageDir,
    reportName: "vitest.json",
    env: { WINTUN_EMU_STRICT: "1" },
    args: vitestArgs,
  }) !== 0;
function runScript(name) {
  return spawnSync("bash", [join(packageDir, "scripts", name)], {
    cwd: packageDir,
    stdio: "inherit",
  }).status;
}
if (runAsan && missing === undefined) failed = runScript("run-asan-tests.sh") !== 0 || failed;
if (runTsan && missing === undefined) failed = runScript("run-tsan-tests.sh") !== 0 || failed;
process.exit(failed ? 1 : 0);
