import type { CheckResult, CheckStatus } from "./check-result.js";
import type { LinuxFacts, WindowsFacts } from "./facts.js";
import {
  adaptersCheck,
  dnsServiceCheck,
  leftoversCheck,
  netAdminCheck,
  socketBuffersCheck,
  tunDeviceCheck,
  uplinkOffloadCheck,
} from "./linux-checks.js";
import {
  driverCheck,
  libraryArchitectureCheck,
  libraryCheck,
  runtimeCheck,
  tapCheck,
} from "./shared-checks.js";
import {
  administratorCheck,
  tapAdaptersCheck,
  windowsLeftoversCheck,
  windowsOffloadCheck,
  windowsVersionCheck,
} from "./windows-checks.js";

/** The doctor's checks on Linux, in the order a person fixes things. */
export function linuxChecks(facts: LinuxFacts): CheckResult[] {
  return [
    runtimeCheck(facts.runtime),
    netAdminCheck(facts.uid, facts.capEff),
    tunDeviceCheck(facts.tun),
    libraryCheck(facts.library),
    libraryArchitectureCheck(facts.library, facts.runtime.arch),
    driverCheck(facts.library),
    tapCheck(),
    adaptersCheck(facts.adapters, facts.requestedAdapter),
    leftoversCheck(facts.adapters),
    socketBuffersCheck(facts.socketBuffers),
    uplinkOffloadCheck(facts.uplink),
    dnsServiceCheck(facts.resolvedRuns),
  ];
}

/** The doctor's checks on Windows, in the order a person fixes things. */
export function windowsChecks(facts: WindowsFacts): CheckResult[] {
  return [
    runtimeCheck(facts.runtime),
    administratorCheck(facts.administrator),
    windowsVersionCheck(facts.windowsRelease),
    libraryCheck(facts.library),
    libraryArchitectureCheck(facts.library, facts.runtime.arch),
    driverCheck(facts.library),
    tapAdaptersCheck(facts.tapAdapters),
    adaptersCheck(facts.adapters, facts.requestedAdapter, "on this machine"),
    windowsLeftoversCheck(facts.adapters),
    windowsOffloadCheck(facts.offloads),
  ];
}

const SYMBOLS: Readonly<Record<CheckStatus, string>> = {
  pass: "✓",
  fail: "✗",
  warn: "!",
  unavailable: "-",
};

/** The report for people: one line per check, its notes indented, then the fix. */
export function formatChecks(results: readonly CheckResult[]): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${SYMBOLS[result.status]} ${result.title}: ${result.detail}`);
    for (const note of result.notes) lines.push(`    ${note}`);
    if (result.fix !== undefined) lines.push(`  fix: ${result.fix}`);
  }
  const failed = results.filter((result) => result.status === "fail").length;
  const warned = results.filter((result) => result.status === "warn").length;
  lines.push("");
  lines.push(
    failed === 0
      ? `No problem found${warned === 0 ? "" : ` (${warned} warning${warned === 1 ? "" : "s"})`}.`
      : `${failed} check${failed === 1 ? "" : "s"} failed${warned === 0 ? "" : `, ${warned} warning${warned === 1 ? "" : "s"}`}.`,
  );
  return `${lines.join("\n")}\n`;
}
