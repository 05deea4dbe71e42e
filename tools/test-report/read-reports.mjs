// Reads the machine-readable reports that each suite leaves in its package's test-results/ folder:
// vitest's JSON report and ctest's JUnit XML. Each becomes { suite, passed, failed, skipped }.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

function fromVitestJson(text) {
  const report = JSON.parse(text);
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

function attribute(tag, name) {
  const match = tag.match(new RegExp(`\\b${name}="(\\d+)"`));
  return match ? Number(match[1]) : 0;
}

function fromJunitXml(text) {
  const totals = { passed: 0, failed: 0, skipped: 0 };
  for (const [tag] of text.matchAll(/<testsuite\b[^>]*>/g)) {
    const tests = attribute(tag, "tests");
    const failed = attribute(tag, "failures") + attribute(tag, "errors");
    const skipped = attribute(tag, "skipped") + attribute(tag, "disabled");
    totals.passed += tests - failed - skipped;
    totals.failed += failed;
    totals.skipped += skipped;
  }
  return totals;
}

export function reportFolders(root) {
  const folders = [];
  for (const group of ["packages", "tools"]) {
    const groupDir = join(root, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir, { withFileTypes: true })) {
      if (entry.isDirectory()) folders.push(join(groupDir, entry.name, "test-results"));
    }
  }
  return folders;
}

export function readReports(root) {
  const results = [];
  for (const folder of reportFolders(root)) {
    if (!existsSync(folder)) continue;
    for (const file of readdirSync(folder).sort()) {
      // Only reports count; anything else a test leaves there (a folder, a log) is not read.
      if (!file.endsWith(".json") && !file.endsWith(".xml")) continue;
      const path = join(folder, file);
      const text = readFileSync(path, "utf8");
      const counts = file.endsWith(".json") ? fromVitestJson(text) : fromJunitXml(text);
      results.push({ suite: relative(root, path), ...counts });
    }
  }
  return results;
}
