// The package's `test` task. Network tests need a fresh network namespace, root and /dev/net/tun:
// with them, the whole vitest run happens inside `unshare --net` (its own loopback, no route out),
// so every adapter, address and packet of the suite stays in a namespace nobody else sees. Without
// them the network tests skip on a developer machine, and fail when MAGMA_REQUIRE_TUN=1 (CI).
// First it builds the prebuilds this machine has compilers for (scripts/build-prebuilds.sh), whose
// glibc floor src/prebuilds.test.ts checks. After the vitest run, the AddressSanitizer run
// (scripts/run-asan-tests.sh) repeats the native tests, the ThreadSanitizer run
// (scripts/run-tsan-tests.sh) repeats the suites that drive the native threads, and the linux-arm64
// prebuild's session tests run under qemu-user (scripts/run-arm64-tests.sh).
//
//   node scripts/run-tests.mjs [--no-asan] [--no-tsan] [--no-prebuilds] [--no-arm64] [vitest arguments...]
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
const buildPrebuilds = !args.includes("--no-prebuilds");
const runArm64 = !args.includes("--no-arm64") && buildPrebuilds;
const ownFlags = new Set(["--no-asan", "--no-tsan", "--no-prebuilds", "--no-arm64"]);
const vitestArgs = args.filter((a) => !ownFlags.has(a));

const missing = requireNetworkTests("wintun-native");

function onPath(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

// The prebuilds the machine's compilers can make: x86-64 Linux always (the addon's own build
// needs g++), arm64 with the cross compiler, Windows with mingw-w64. CI has all three.
const prebuildTargets = [];
if (buildPrebuilds && process.platform === "linux" && process.arch === "x64") {
  prebuildTargets.push("linux-x64", "emu-linux-x64");
  if (onPath("aarch64-linux-gnu-g++")) prebuildTargets.push("linux-arm64", "emu-linux-arm64");
  if (onPath("x86_64-w64-mingw32-g++-posix")) prebuildTargets.push("win32-x64");
}
let prebuildsFailed = false;
if (prebuildTargets.length > 0) {
  const built = spawnSync(
    "bash",
    [join(packageDir, "scripts", "build-prebuilds.sh"), ...prebuildTargets],
    {
      cwd: packageDir,
      stdio: "inherit",
    },
  );
  prebuildsFailed = built.status !== 0;
}

// Strict mode of the emulator: any misuse of the wintun API aborts the test run with its name.
let failed =
  runVitestInNamespace({
    packageDir,
    reportName: "vitest.json",
    env: {
      WINTUN_EMU_STRICT: "1",
      MAGMA_PREBUILDS_BUILT: prebuildsFailed ? "" : prebuildTargets.join(","),
    },
    args: vitestArgs,
  }) !== 0 || prebuildsFailed;
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
