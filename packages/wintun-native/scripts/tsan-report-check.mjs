// Setup file of the ThreadSanitizer run (scripts/vitest-tsan.config.mjs). TSan writes each race
// report to <MAGMA_TSAN_LOG_DIR>/tsan.<pid> as it finds it and carries on; after every test (and
// after the file's last hook) this reads what this worker's log gained since the last look and
// fails the test with it, so a race shows in the vitest report as a failed test, beside the test
// that was running when TSan saw it. scripts/run-tsan-tests.sh also fails on any log left at the end.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import { symbolizeReport } from "./tsan-symbolize.mjs";

const logDir = process.env.MAGMA_TSAN_LOG_DIR;
// Kept on `process`: a worker that runs several files evaluates this module once per file.
const offsetKey = Symbol.for("magma.tsanLogOffset");

function failOnNewReports() {
  if (logDir === undefined || logDir === "") return;
  const path = join(logDir, `tsan.${process.pid}`);
  if (!existsSync(path)) return;
  const log = readFileSync(path);
  const seen = process[offsetKey] ?? 0;
  process[offsetKey] = log.length;
  if (log.length > seen) {
    throw new Error(
      `ThreadSanitizer reported:\n${symbolizeReport(log.subarray(seen).toString("utf8"))}`,
    );
  }
}

afterEach(failOnNewReports);
afterAll(failOnNewReports);
