// Runs a package's vitest suites inside a network namespace of their own, for tests that create
// adapters and send kernel traffic: with root, /dev/net/tun and `unshare --net`, the whole run
// happens inside `unshare --net` (its own loopback, no route out, gone when the run ends) with
// MAGMA_TEST_NETNS=1 telling the tests they may touch the network. Without them the network tests
// skip on a developer machine, and the run fails when MAGMA_REQUIRE_TUN=1 (CI).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The suites use the emulator's fault and rights hooks, which only its test build has; the
// library @magma/wintun-linux ships, the default otherwise, is built without them.
const emulatorTestBuild = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "wintun-emu",
  "build",
  "libwintun.so",
);

/** Why this machine cannot run network tests, or undefined when it can. */
export function networkTestProblem() {
  if (process.platform !== "linux") return "network tests need Linux";
  if (process.getuid?.() !== 0)
    return "network tests need root (to create TUN interfaces and network namespaces)";
  if (!existsSync("/dev/net/tun")) return "network tests need /dev/net/tun";
  const probe = spawnSync("unshare", ["--net", "true"], { stdio: "ignore" });
  if (probe.status !== 0) return "network tests need `unshare --net` (network namespaces)";
  return undefined;
}

/**
 * Exits the process at once, failing, when MAGMA_REQUIRE_TUN=1 and the machine cannot run network
 * tests; otherwise returns the problem (undefined when there is none) so the caller can skip.
 */
export function requireNetworkTests(label) {
  const problem = networkTestProblem();
  if (problem !== undefined && process.env.MAGMA_REQUIRE_TUN === "1") {
    console.error(`${label}: MAGMA_REQUIRE_TUN=1 but ${problem}: failing instead of skipping.`);
    process.exit(1);
  }
  if (problem !== undefined) console.warn(`${label}: ${problem}; network tests will be skipped.`);
  return problem;
}

/**
 * Runs `vitest run` in `packageDir` with a JSON report in its test-results/ folder, inside a fresh
 * network namespace when the machine allows it, against the emulator's test build unless
 * MAGMA_WINTUN_LIBRARY names another library. Returns vitest's exit status.
 */
export function runVitestInNamespace({ packageDir, reportName, env = {}, args = [] }) {
  mkdirSync(join(packageDir, "test-results"), { recursive: true });
  const vitest = [
    "exec",
    "vitest",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=test-results/${reportName}`,
    ...args,
  ];
  // A library the caller names (MAGMA_WINTUN_LIBRARY) still wins.
  const childEnv = { MAGMA_WINTUN_LIBRARY: emulatorTestBuild, ...process.env, ...env };
  if (networkTestProblem() !== undefined) {
    return (
      spawnSync("pnpm", vitest, { cwd: packageDir, stdio: "inherit", env: childEnv }).status ?? 1
    );
  }
  const inside = `ip link set lo up && exec pnpm ${vitest.map((a) => `'${a}'`).join(" ")}`;
  childEnv.MAGMA_TEST_NETNS = "1";
  return (
    spawnSync("unshare", ["--net", "sh", "-c", inside], {
      cwd: packageDir,
      stdio: "inherit",
      env: childEnv,
    }).status ?? 1
  );
}
