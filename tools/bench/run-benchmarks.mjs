// Runs the benchmark suites in suites/ one after another, each in its own Node.js process so one
// suite's heap and JIT state cannot colour the next. Every suite prints its figures beside a
// baseline measured in the same run.
//
//   pnpm bench                       every suite
//   node run-benchmarks.mjs packets  only suites whose file name contains "packets"
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const suitesDir = join(dirname(fileURLToPath(import.meta.url)), "suites");
const filters = process.argv.slice(2);
const suites = readdirSync(suitesDir)
  .filter((file) => file.endsWith(".bench.mjs"))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (suites.length === 0) {
  console.error(`no suite in ${suitesDir} matches ${filters.join(", ")}`);
  process.exit(2);
}

let failed = 0;
for (const suite of suites) {
  console.log(`\n=== ${suite} ===`);
  const run = spawnSync(process.execPath, ["--expose-gc", join(suitesDir, suite)], {
    stdio: "inherit",
  });
  if (run.status !== 0) {
    console.error(`${suite} exited with ${run.status ?? run.signal}`);
    failed += 1;
  }
}
process.exit(failed === 0 ? 0 : 1);
