import { describeAdapter, type ListedAdapter } from "../adapters/listed-adapter.js";
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

/**
 * wintun adapters whose device is no longer present: Windows removes a wintun 0.14 adapter's
 * software device when the handle that created it closes, also when its process exits, and what
 * stays listed is what wintun calls an orphan (api/adapter.c, AdapterCleanupOrphanedDevices). It
 * holds no interface or name, so nothing fails because of it; wintun removes it at its next
 * create, open or close of an adapter, in any process.
 */
export function windowsLeftoversCheck(
  adapters: readonly ListedAdapter[] | ProbeFailure,
): CheckResult {
  const id = "leftovers";
  const title = "leftovers of exited processes";
  if (isProbeFailure(adapters)) {
    return checkResult(id, title, "unavailable", `could not list the adapters: ${adapters.error}`);
  }
  const leftovers = adapters.filter((adapter) => !adapter.creatorAlive);
  if (leftovers.length === 0) return checkResult(id, title, "pass", "none");
  return checkResult(
    id,
    title,
    "warn",
    `${leftovers.length} adapter device(s) no longer present, whose creating process has exited: ${leftovers.map((adapter) => `"${adapter.name}"`).join(", ")}`,
    {
      notes: leftovers.map(describeAdapter),
      fix: "wintun removes them the next time any program creates, opens or closes an adapter (magma create NAME, then Ctrl+C); or remove them in Device Manager (View > Show hidden devices, Network adapters) as Administrator",
    },
  );
}
