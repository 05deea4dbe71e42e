import { describe, expect, it } from "vitest";
import { printDoctorReport } from "../commands/doctor.js";
import { ExitCode } from "../exit-codes.js";
import { adapter, healthyLinux, healthyWindows } from "../test-support/doctor-facts.js";
import type { CheckResult } from "./check-result.js";
import { formatChecks, linuxChecks, windowsChecks } from "./checks.js";

function capture() {
  const written = { stdout: "", stderr: "" };
  return {
    written,
    io: {
      stdout: (text: string) => {
        written.stdout += text;
      },
      stderr: (text: string) => {
        written.stderr += text;
      },
    },
  };
}

describe("the Linux checks", () => {
  it("run in the order a person fixes things, all passing on a healthy machine but TAP", () => {
    const results = linuxChecks(healthyLinux());
    expect(results.map((result) => result.id)).toEqual([
      "node",
      "net-admin",
      "dev-net-tun",
      "wintun-library",
      "wintun-library-architecture",
      "wintun-driver",
      "tap-driver",
      "adapters",
      "leftovers",
      "socket-buffers",
      "uplink-offloads",
      "dns-service",
    ]);
    expect(results.filter((result) => result.status !== "pass").map((result) => result.id)).toEqual(
      ["tap-driver"],
    );
  });
});

describe("the Windows checks", () => {
  it("check Administrator rights, the Windows version, the DLL and the driver", () => {
    const results = windowsChecks(healthyWindows());
    expect(results.map((result) => result.id)).toEqual([
      "node",
      "administrator",
      "windows-version",
      "wintun-library",
      "wintun-library-architecture",
      "wintun-driver",
      "tap-driver",
      "adapters",
      "leftovers",
      "uplink-offloads",
    ]);
    expect(results.filter((result) => result.status === "fail")).toEqual([]);
  });

  it("find the adapter --adapter names among the wintun adapters, ignoring case, or fail", () => {
    const found = windowsChecks(healthyWindows({ requestedAdapter: "magma vpn" }));
    expect(found.find((result) => result.id === "adapters")).toMatchObject({
      status: "pass",
      detail: '"magma vpn" exists: "Magma VPN" (Magma VPN, index 12, session, 198.18.150.1/24)',
    });
    const missing = windowsChecks(healthyWindows({ requestedAdapter: "Other" }));
    expect(missing.find((result) => result.id === "adapters")).toMatchObject({
      status: "fail",
      detail: 'no adapter named "Other" on this machine',
    });
  });

  it("fail an x86 System32 DLL in an x64 process without elevation", () => {
    const facts = healthyWindows({ administrator: false });
    const results = windowsChecks({
      ...facts,
      library: { ...facts.library, binary: { format: "PE", machine: 0x14c, arch: "ia32" } },
    });
    const failed = results.filter((result) => result.status === "fail").map((result) => result.id);
    expect(failed).toEqual(["administrator", "wintun-library-architecture"]);
  });
});

describe("the report", () => {
  const results: CheckResult[] = [
    {
      id: "a",
      title: "first",
      status: "pass",
      detail: "fine",
      notes: ["place one"],
      fix: undefined,
    },
    { id: "b", title: "second", status: "fail", detail: "broken", notes: [], fix: "mend it" },
    { id: "c", title: "third", status: "warn", detail: "slow", notes: [], fix: "tune it" },
    {
      id: "d",
      title: "fourth",
      status: "unavailable",
      detail: "not here",
      notes: [],
      fix: undefined,
    },
  ];

  it("prints ✓, ✗, ! and - with each fix, then a summary", () => {
    expect(formatChecks(results)).toBe(
      [
        "✓ first: fine",
        "    place one",
        "✗ second: broken",
        "  fix: mend it",
        "! third: slow",
        "  fix: tune it",
        "- fourth: not here",
        "",
        "1 check failed, 1 warning.",
        "",
      ].join("\n"),
    );
  });

  it("says no problem was found when only warnings remain", () => {
    expect(formatChecks([results[0]!, results[2]!])).toContain("No problem found (1 warning).");
  });

  it("exits with CHECKS_FAILED when a check failed, and prints the checks as JSON with --json", () => {
    const { io, written } = capture();
    expect(printDoctorReport(results, true, io)).toBe(ExitCode.CHECKS_FAILED);
    const report = JSON.parse(written.stdout);
    expect(report).toMatchObject({ ok: false, failed: 1, warnings: 1 });
    expect(report.checks[1]).toEqual({
      id: "b",
      title: "second",
      status: "fail",
      detail: "broken",
      notes: [],
      fix: "mend it",
    });
  });

  it("exits with OK when only warnings remain", () => {
    const { io, written } = capture();
    const facts = healthyLinux({
      adapters: [adapter()],
      socketBuffers: { rmemMax: 1, wmemMax: 1 },
    });
    expect(printDoctorReport(linuxChecks(facts), false, io)).toBe(ExitCode.OK);
    expect(written.stdout).toContain("! socket buffer limits");
    expect(written.stdout).toContain("- TAP driver");
  });
});
