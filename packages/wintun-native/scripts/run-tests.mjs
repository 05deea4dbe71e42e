// The package's `test` task. Network tests need a fresh network namespace, root and /dev/net/tun:
// with them, the whole vitest run happens inside `unshare --net` (its own loopback, no route out),
// so every adapter, address and packet of the suite stays in a namespace nobody else sees. Without
// them the network tests skip on a developer machine, and fail when MAGMA_REQUIRE_TUN=1 (CI).
// Then the AddressSanitizer run (scripts/run-asan-tests.sh) repeats the native tests, and the
// ThreadSanitizer run (scripts/run-tsan-tests.sh) repeats the suites that drive the native threads.
//
//   node scripts/run-tests.mjs [--no-asan] [--no-tsan] [vitest arguments...]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const runAsan = !args.includes("--no-asan");
const runTsan = !args.includes("--no-tsan");
const vitestArgs = args.filter((a) => a !== "--no-asan" && a !== "--no-tsan");
const required = process.env.MAGMA_REQUIRE_TUN === "1";

function missingCapability() {
  if (process.platform !== "linux") return "network tests need Linux";
  if (process.getuid?.() !== 0)
    return "network tests need root (to create TUN interfaces and network namespaces)";
  if (!existsSync("/dev/net/tun")) return "network tests need /dev/net/tun";
  const probe = spawnSync("unshare", ["--net", "true"], { stdio: "ignore" });
  if (probe.status !== 0) return "network tests need `unshare --net` (network namespaces)";
  return undefined;
}

mkdirSync(join(packageDir, "test-results"), { recursive: true });
const missing = missingCapability();
if (missing !== undefined && required) {
  console.error(`MAGMA_REQUIRE_TUN=1 but ${missing}: failing instead of skipping.`);
  process.exit(1);
}

function runVitest(reportName, extraEnv, extraArgs) {
  const vitest = [
    "exec",
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=test-results/${reportName}`,
    ...extraArgs,
  ];
  const env = { ...process.env, ...extraEnv };
  if (missing !== undefined) {
    console.warn(`wintun-native: ${missing}; network tests will be skipped.`);
    return spawnSync("pnpm", vitest, { cwd: packageDir, stdio: "inherit", env }).status ?? 1;
  }
  const inside = `ip link set lo up && exec pnpm ${vitest.map((a) => `'${a}'`).join(" ")}`;
  env.MAGMA_TEST_NETNS = "1";
  return (
    spawnSync("unshare", ["--net", "sh", "-c", inside], { cwd: packageDir, stdio: "inherit", env })
      .status ?? 1
  );
}

// Strict mode of the emulator: any misuse of the wintun API aborts the test run with its name.
let failed = runVitest("vitest.json", { WINTUN_EMU_STRICT: "1" }, vitestArgs) !== 0;
function runScript(name) {
  return spawnSync("bash", [join(packageDir, "scripts", name)], {
    cwd: packageDir,
    stdio: "inherit",
  }).status;
}
if (runAsan && missing === undefined) failed = runScript("run-asan-tests.sh") !== 0 || failed;
if (runTsan && missing === undefined) failed = runScript("run-tsan-tests.sh") !== 0 || failed;
process.exit(failed ? 1 : 0);
