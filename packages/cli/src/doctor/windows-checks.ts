import { describeAdapter, type ListedAdapter } from "../adapters/listed-adapter.js";
import type { TapAdapterFact } from "../adapters/tap-adapters.js";
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

/** OpenVPN's floor, which Magma's TAP backend keeps: 9.8 mangles small IPv4 packets in TUN mode. */
export const TAP_MINIMUM_VERSION = [9, 9] as const;

function olderThanMinimum(version: string): boolean {
  const [major = Number.NaN, minor = Number.NaN] = version.split(".").map(Number);
  if (!Number.isFinite(major) || !Number.isFinite(minor)) return false;
  const [floorMajor, floorMinor] = TAP_MINIMUM_VERSION;
  return major < floorMajor || (major === floorMajor && minor < floorMinor);
}

/**
 * The TAP-Windows driver (tap0901) and its adapters: versions below 9.9; phantoms, which OpenVPN
 * reports as "all TAP-Windows adapters on this system are currently in use"; and adapters another
 * program really holds (opening one fails with ERROR_GEN_FAILURE), named with that reason.
 */
export function tapAdaptersCheck(taps: readonly TapAdapterFact[] | ProbeFailure): CheckResult {
  const id = "tap-driver";
  const title = "TAP driver";
  if (isProbeFailure(taps)) {
    return checkResult(id, title, "unavailable", `could not list the adapters: ${taps.error}`);
  }
  if (taps.length === 0) {
    return checkResult(
      id,
      title,
      "unavailable",
      "no TAP-Windows (tap0901) adapter: only needed for the TAP backend; wintun needs none",
    );
  }
  const describe = (tap: TapAdapterFact) =>
    `${tap.name} ${tap.guid ?? "(no GUID)"}: driver ${tap.driverVersion ?? "of unknown version"}, ${
      !tap.present
        ? "phantom (device absent)"
        : !tap.hasInterface
          ? "disabled"
          : tap.inUse === true
            ? "held by another program (opening it fails with ERROR_GEN_FAILURE)"
            : tap.mediaConnected
              ? "media connected (a program is using it)"
              : "media disconnected"
    }`;
  const notes = taps.map(describe);
  const old = taps.filter(
    (tap) => tap.driverVersion !== undefined && olderThanMinimum(tap.driverVersion),
  );
  if (old.length > 0) {
    return checkResult(
      id,
      title,
      "fail",
      `driver ${old[0]?.driverVersion} is older than ${TAP_MINIMUM_VERSION.join(".")}: 9.8 breaks small IPv4 packets in TUN mode, and older ones have no IPv6 there`,
      { notes, fix: "install tap-windows6 9.24 or later (it comes with OpenVPN)" },
    );
  }
  const unusable = taps.filter((tap) => !tap.present || !tap.hasInterface);
  if (unusable.length > 0) {
    return checkResult(
      id,
      title,
      "warn",
      `${unusable.length} of ${taps.length} adapter${taps.length === 1 ? "" : "s"} cannot be opened: ${unusable
        .map((tap) => tap.name)
        .join(", ")} (opening fails with ERROR_FILE_NOT_FOUND, not because it is in use)`,
      {
        notes,
        fix: "enable it in Network Connections (ncpa.cpl), or remove it (tapctl delete {GUID}) and create a new one (tapctl create)",
      },
    );
  }
  const held = taps.filter((tap) => tap.inUse === true);
  if (held.length === taps.length) {
    return checkResult(
      id,
      title,
      "warn",
      `every adapter is held by another program: ${held.map((tap) => tap.name).join(", ")} (opening fails with ERROR_GEN_FAILURE; tap0901 allows one program per adapter)`,
      {
        notes,
        fix: "close the program that holds one (an OpenVPN client, another VPN), or create another adapter for Magma (tapctl create --hwid root\\tap0901 --name Magma)",
      },
    );
  }
  return checkResult(
    id,
    title,
    "pass",
    `${taps.length} adapter${taps.length === 1 ? "" : "s"}, driver ${taps[0]?.driverVersion ?? "of unknown version"}${
      held.length > 0 ? `; ${held.length} held by another program` : ""
    }`,
    { notes },
  );
}
