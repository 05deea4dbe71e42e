import { type CheckResult, checkResult } from "./check-result.js";
import { isProbeFailure, type ProbeFailure, type WindowsOffload } from "./facts.js";

export function administratorCheck(administrator: boolean | undefined): CheckResult {
  const id = "administrator";
  const title = "Administrator rights";
  if (administrator === true) return checkResult(id, title, "pass", "running elevated");
  if (administrator === undefined) {
    return checkResult(id, title, "unavailable", "could not tell whether this process is elevated");
  }
  return checkResult(
    id,
    title,
    "fail",
    "not elevated: creating and configuring adapters will fail with ERROR_ACCESS_DENIED",
    {
      fix: 'run from a terminal opened with "Run as administrator" (User Account Control must allow elevation)',
    },
  );
}

/** Windows 10 2004 (build 19041): where SetInterfaceDnsSettings starts, for DNS configuration. */
export const DNS_SETTINGS_BUILD = 19041;

/** wintun 0.14 supports Windows 7 (6.1) and later. */
export function windowsVersionCheck(release: string): CheckResult {
  const id = "windows-version";
  const title = "Windows version";
  const [major = Number.NaN, minor = Number.NaN, build = Number.NaN] = release
    .split(".")
    .map(Number);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) {
    return checkResult(id, title, "unavailable", `could not read the version from "${release}"`);
  }
  if (major < 6 || (major === 6 && minor < 1)) {
    return checkResult(id, title, "fail", `${release}: wintun needs Windows 7 or later`, {
      fix: "upgrade Windows",
    });
  }
  if (major < 10 || !(build >= DNS_SETTINGS_BUILD)) {
    return checkResult(
      id,
      title,
      "warn",
      `${release}: adapters work; per-adapter DNS settings need Windows 10 2004 (build ${DNS_SETTINGS_BUILD}) or later`,
      { fix: "upgrade to Windows 10 2004 or later to configure DNS on adapters" },
    );
  }
  return checkResult(id, title, "pass", release);
}

/**
 * Large Send Offload on the physical adapters: wintun's troubleshooting advice is to turn the
 * physical adapter's hardware offloads off when traffic is routed through wintun.
 */
export function windowsOffloadCheck(
  offloads: readonly WindowsOffload[] | ProbeFailure,
): CheckResult {
  const id = "uplink-offloads";
  const title = "offloads of the physical adapters";
  if (isProbeFailure(offloads)) {
    return checkResult(
      id,
      title,
      "unavailable",
      `could not read Large Send Offload: ${offloads.error}`,
    );
  }
  const on = offloads.filter((offload) => offload.ipv4Enabled || offload.ipv6Enabled);
  if (on.length === 0) {
    return checkResult(
      id,
      title,
      "pass",
      offloads.length === 0 ? "no adapter offers Large Send Offload" : "Large Send Offload is off",
    );
  }
  const names = on.map((offload) => offload.adapter);
  return checkResult(id, title, "warn", `Large Send Offload is on for ${names.join(", ")}`, {
    fix: `if traffic routed through wintun is slow: ${names.map((name) => `Disable-NetAdapterLso -Name "${name}"`).join("; ")}`,
  });
}
