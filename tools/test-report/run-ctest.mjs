// Runs ctest in each CMake build folder given on the command line (relative to the current
// package) and leaves one JUnit report per folder in the package's test-results/, where the
// README's test command adds it to the total. Exits non-zero if any ctest run failed.
//
//   node ../test-report/run-ctest.mjs build build-asan build-tsan
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { basename, resolve } from "node:path";

const buildFolders = process.argv.slice(2);
if (buildFolders.length === 0) {
  console.error("usage: run-ctest.mjs <cmake build folder>...");
  process.exit(2);
}

const reports = resolve("test-results");
mkdirSync(reports, { recursive: true });
let failed = false;
for (const folder of buildFolders) {
  const report = resolve(reports, `ctest-${basename(folder)}.xml`);
  const ctest = spawnSync(
    "ctest",
    ["--test-dir", folder, "--output-on-failure", "--no-tests=error", "--output-junit", report],
    { stdio: "inherit" },
  );
  if (ctest.status !== 0) {
    console.error(`ctest in ${folder} exited with ${ctest.status ?? ctest.signal}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
