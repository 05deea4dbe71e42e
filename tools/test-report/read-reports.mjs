// Reads the machine-readable reports that each suite leaves in its package's test-results/ folder:
// vitest's JSON report and JUnit XML (ctest's, node:test's). Each becomes
// { suite, passed, failed, skipped, failures }, failures naming each failed test with the first
// line of its message: CI keeps only the end of a long log, so the summary has to say which test.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

function firstLine(text) {
  const line =
    String(text ?? "")
      .trim()
      .split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

function fromVitestJson(text) {
  const report = JSON.parse(text);
  const failures = [];
  for (const file of report.testResults ?? []) {
    for (const test of file.assertionResults ?? []) {
      if (test.status === "failed") {
        failures.push({ name: test.fullName, message: firstLine(test.failureMessages?.[0]) });
      }
    }
    // A file that failed to load or whose hooks threw has no failed test to name.
    if (
      file.status === "failed" &&
      !(file.assertionResults ?? []).some((t) => t.status === "failed")
    ) {
      failures.push({ name: file.name, message: firstLine(file.message) });
    }
  }
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    failures,
  };
}

const XML_ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function unescapeXml(text) {
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, name) => {
    if (name[0] !== "#") return XML_ENTITIES[name.toLowerCase()];
    const hex = name[1] === "x" || name[1] === "X";
    return String.fromCodePoint(hex ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)));
  });
}

function attribute(tag, name) {
  const match = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return match ? unescapeXml(match[1]) : undefined;
}

function elementText(body, name) {
  const match = body.match(new RegExp(`<${name}\\b[^>]*>([\\s\\S]*?)</${name}>`));
  return match ? unescapeXml(match[1]) : "";
}

// Tags are matched quoted value by quoted value: node:test leaves ">" unescaped in attributes.
// Counted test case by test case, the same way for ctest (a flat <testsuite>) and node:test (test
// cases at the top level and in nested <testsuite>s, whose own counts would count them twice). A
// failed case says why in its <failure>'s message, or (ctest) only in the output it captured.
function fromJunitXml(text) {
  const totals = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const [, open, body = ""] of text.matchAll(
    /(<testcase\b(?:[^>"]|"[^"]*")*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g,
  )) {
    const failure = body.match(/<(?:failure|error)\b(?:[^>"]|"[^"]*")*>/);
    const status = attribute(open, "status");
    if (failure !== null) {
      totals.failed++;
      const message =
        firstLine(attribute(failure[0], "message")) ||
        firstLine(elementText(body, "failure")) ||
        firstLine(elementText(body, "system-out"));
      totals.failures.push({ name: attribute(open, "name") ?? "(unnamed test case)", message });
    } else if (/<skipped\b/.test(body) || status === "notrun" || status === "disabled") {
      totals.skipped++;
    } else {
      totals.passed++;
    }
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
