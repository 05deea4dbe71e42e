// Each report format read as its own tool writes it: vitest, node:test and ctest are run here on
// small projects with a passing, a failing and a skipped test, so a change in what they write
// shows here rather than as a wrong total in CI.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readReports } from "./read-reports.mjs";

const roots = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

// A workspace root with one package, packages/sample, whose files are given.
function sampleWorkspace(files) {
  const root = mkdtempSync(join(tmpdir(), "magma-test-report-"));
  roots.push(root);
  const sample = join(root, "packages", "sample");
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(sample, name)), { recursive: true });
    writeFileSync(join(sample, name), text);
  }
  mkdirSync(join(sample, "test-results"), { recursive: true });
  return { root, sample };
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 60_000 });
  if (result.error) throw result.error;
  return result;
}

describe("readReports", () => {
  it("reads vitest's JSON report: counts, each failed test by its full name and first line, and a file that failed to load", () => {
    const { root, sample } = sampleWorkspace({
      "sample.test.mjs": `import { describe, expect, it } from "vitest";
describe("a suite", () => {
  it("passes", () => {});
  it("fails", () => { expect(1, "one is two").toBe(2); });
  // The sample's skipped test, which the report must count as skipped.
  it.skip("is skipped", () => {});
});
`,
      "broken.test.mjs": `throw new Error("cannot load this file");\n`,
      "vitest.config.mjs": "export default {};\n",
    });
    const vitest = join(
      dirname(createRequire(import.meta.url).resolve("vitest/package.json")),
      "vitest.mjs",
    );
    const result = run(
      process.execPath,
      [vitest, "run", "--reporter=json", "--outputFile.json=test-results/vitest.json"],
      sample,
    );
    expect(result.status).toBe(1);

    const [report, ...others] = readReports(root);
    expect(others).toEqual([]);
    expect(report).toMatchObject({
      suite: join("packages", "sample", "test-results", "vitest.json"),
      passed: 1,
      failed: 1,
      skipped: 1,
    });
    expect(report.failures).toHaveLength(2);
    expect(report.failures).toContainEqual({
      name: "a suite fails",
      message: expect.stringContaining("one is two"),
    });
    expect(report.failures).toContainEqual({
      name: join(sample, "broken.test.mjs"),
      message: expect.stringContaining("cannot load this file"),
    });
  });

  it("reads node:test's JUnit XML once per test case, top-level and nested, with the failure's message", () => {
    const { root, sample } = sampleWorkspace({
      "sample.test.mjs": `import assert from "node:assert";
import { describe, it, test } from "node:test";
test("passes at the top", () => {});
test("fails at the top with <markup> & \\"quotes\\"", () => { assert.fail("top failure"); });
describe("outer", () => {
  describe("inner", () => {
    it("passes nested", () => {});
    it("fails nested", () => { assert.fail("nested failure"); });
    // The sample's skipped test, which the report must count as skipped.
    it.skip("is skipped nested", () => {});
  });
});
`,
    });
    const result = run(
      process.execPath,
      [
        "--test",
        "--test-reporter=junit",
        "--test-reporter-destination=test-results/node-test.xml",
        "sample.test.mjs",
      ],
      sample,
    );
    expect(result.status).toBe(1);

    const [report, ...others] = readReports(root);
    expect(others).toEqual([]);
    expect(report).toMatchObject({ passed: 2, failed: 2, skipped: 1 });
    expect(report.failures).toEqual([
      { name: expect.stringContaining("fails at the top with <markup> &"), message: "top failure" },
      { name: "fails nested", message: "nested failure" },
    ]);
  });

  it("reads ctest's JUnit XML, taking a failure's reason from the output it captured", () => {
    const { root, sample } = sampleWorkspace({
      "CMakeLists.txt": `cmake_minimum_required(VERSION 3.21)
project(sample NONE)
enable_testing()
add_test(NAME passes COMMAND sh -c "exit 0")
add_test(NAME fails COMMAND sh -c "echo 'sample.c:12: check failed: a < b'; echo more; exit 1")
add_test(NAME is_disabled COMMAND sh -c "exit 1")
set_tests_properties(is_disabled PROPERTIES DISABLED TRUE)
`,
    });
    const build = join(sample, "build");
    expect(run("cmake", ["-S", sample, "-B", build], sample).status).toBe(0);
    const junit = join(sample, "test-results", "ctest-build.xml");
    expect(run("ctest", ["--test-dir", build, "--output-junit", junit], sample).status).not.toBe(0);

    const [report, ...others] = readReports(root);
    expect(others).toEqual([]);
    expect(report).toMatchObject({ passed: 1, failed: 1, skipped: 1 });
    expect(report.failures).toEqual([
      { name: "fails", message: "sample.c:12: check failed: a < b" },
    ]);
  });

  it("reads nothing from a package without reports, nor files that are not reports", () => {
    const { root, sample } = sampleWorkspace({ "index.mjs": "export {};\n" });
    writeFileSync(join(sample, "test-results", "run.log"), "not a report\n");
    expect(readReports(root)).toEqual([]);
  });
});
