// The package's `test` task. Network tests need a fresh network namespace, root and /dev/net/tun:
// with them, the whole vitest run happens inside `unshare --net` (its own loopback, no route out),
// so every adapter, address and packet of the suite stays in a namespace nobody else sees. Without
// them the network tests skip on a developer machine, and fail when MAGMA_REQUIRE_TUN=1 (CI).
// The package's build made the prebuilds this machine has compilers for, whose glibc floor
// src/prebuilds.test.ts checks. After the vitest run, the AddressSanitizer run
// (scripts/run-asan-tests.sh) repeats the native tests, the ThreadSanitizer run
// (scripts/run-tsan-tests.sh) repeats the suites that drive the native threads, and the linux-arm64
// prebuild's session tests run under qemu-user (scripts/run-arm64-tests.sh).
//
//   node scripts/run-tests.mjs [--no-asan] [--no-tsan] [--no-arm64] [vitest arguments...]
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
const runArm64 = !args.includes("--no-arm64");
const ownFlags = new Set(["--no-asan", "--no-tsan", "--no-arm64"]);
const vitestArgs = args.filter((a) => !ownFlags.has(a));

const missing = requireNetworkTests("wintun-native");

// Strict mode of the emulators: any misuse of the wintun API, or a call sequence the TAP driver
// would reject, aborts the test run with its name.
let failed =
  runVitestInNamespace({
    packageDir,
    reportName: "vitest.json",
    env: { WINTUN_EMU_STRICT: "1", TAP_EMU_STRICT: "1" },
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
if (runArm64 && missing === undefined) failed = runScript("run-arm64-tests.sh") !== 0 || failed;
process.exit(failed ? 1 : 0);
