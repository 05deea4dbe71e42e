// The package's `test` task. The end-to-end tests create a WinTun adapter (the emulator over
// /dev/net/tun) and send it kernel traffic, so with root, /dev/net/tun and network namespaces the
// whole vitest run happens inside `unshare --net`: its own loopback, no route out, gone when the
// run ends. Without them those tests skip on a developer machine and fail when MAGMA_REQUIRE_TUN=1.
//
//   node scripts/run-tests.mjs [vitest arguments...]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const required = process.env.MAGMA_REQUIRE_TUN === "1";

function missingCapability() {
  if (process.platform !== "linux") return "the end-to-end demo tests need Linux";
  if (process.getuid?.() !== 0)
    return "the end-to-end demo tests need root (to create TUN interfaces and network namespaces)";
  if (!existsSync("/dev/net/tun")) return "the end-to-end demo tests need /dev/net/tun";
  const probe = spawnSync("unshare", ["--net", "true"], { stdio: "ignore" });
  if (probe.status !== 0) return "the end-to-end demo tests need `unshare --net`";
  return undefined;
}

mkdirSync(join(packageDir, "test-results"), { recursive: true });
const missing = missingCapability();
if (missing !== undefined && required) {
  console.error(`MAGMA_REQUIRE_TUN=1 but ${missing}: failing instead of skipping.`);
  process.exit(1);
}

const vitest = [
  "exec",
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  "--outputFile.json=test-results/vitest.json",
  ...process.argv.slice(2),
];
let status;
if (missing !== undefined) {
  console.warn(`demo: ${missing}; the end-to-end tests will be skipped.`);
  status = spawnSync("pnpm", vitest, { cwd: packageDir, stdio: "inherit" }).status;
} else {
  const inside = `ip link set lo up && exec pnpm ${vitest.map((a) => `'${a}'`).join(" ")}`;
  status = spawnSync("unshare", ["--net", "sh", "-c", inside], {
    cwd: packageDir,
    stdio: "inherit",
    env: { ...process.env, MAGMA_TEST_NETNS: "1" },
  }).status;
}
process.exit(status ?? 1);
