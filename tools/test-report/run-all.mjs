// The README's test command. Runs every package's `test` task through turbo (which builds first),
// then adds up the reports every suite wrote and prints the total as the last line:
// "N passed, N failed, N skipped". Exits non-zero on any failure, or when no test ran at all.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readReports, reportFolders } from "./read-reports.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

// Stale reports from an earlier run must not be counted; turbo restores fresh ones on a cache hit.
for (const folder of reportFolders(root)) rmSync(folder, { recursive: true, force: true });

const turbo = spawnSync(
  "pnpm",
  ["exec", "turbo", "run", "test", "--continue", "--concurrency=1", ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit" },
);

const results = readReports(root);
const total = { passed: 0, failed: 0, skipped: 0 };
console.log("\nTest reports:");
for (const r of results) {
  console.log(`  ${r.suite}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped`);
  total.passed += r.passed;
  total.failed += r.failed;
  total.skipped += r.skipped;
}
const failures = results.flatMap((r) => r.failures.map((f) => ({ suite: r.suite, ...f })));
if (failures.length > 0) {
  console.log("\nFailed tests:");
  for (const f of failures) {
    console.log(`  ${f.suite}: ${f.name}`);
    if (f.message !== "") console.log(`    ${f.message}`);
  }
}
const turboFailed = turbo.status !== 0;
if (turboFailed) console.log(`  turbo exited with ${turbo.status ?? turbo.signal}: a task failed`);
// A task that failed before writing a report still counts as one failure in the total.
if (turboFailed && total.failed === 0) total.failed = 1;
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(turboFailed || total.failed > 0 || total.passed === 0 ? 1 : 0);
