import { execFile } from "node:child_process";
import { release } from "node:os";
import { promisify } from "node:util";
import { listTapAdapters } from "@magma/tap-legacy";
import { listNetworkAdapters } from "@magma/wintun-native";
import type { ListedAdapter } from "../adapters/listed-adapter.js";
import { type TapAdapterFact, tapAdaptersFrom } from "../adapters/tap-adapters.js";
import { listWindowsAdapters } from "../adapters/windows-adapters.js";
import type { ProbeFailure, WindowsFacts, WindowsOffload } from "./facts.js";
import { gatherLibrary } from "./gather-library.js";

// The Windows probes: thin on purpose, each a program Windows ships, so that all judging stays
// in the tested checks. They run only on Windows and are not exercised by the Linux test runs.
const run = promisify(execFile);

/** `net session` succeeds only in an elevated process: the usual test for Administrator rights. */
async function elevated(): Promise<boolean | undefined> {
  try {
    await run("net", ["session"], { windowsHide: true });
    return true;
  } catch (error) {
    // It runs and refuses (exit code 2, "Access is denied") without elevation.
    return typeof (error as { code?: unknown }).code === "number" ? false : undefined;
  }
}

/** Get-NetAdapterLso's JSON (one object, or a list of them) as offload facts. */
export function offloadsFromJson(text: string): WindowsOffload[] {
  if (text.trim() === "") return [];
  const parsed = JSON.parse(text) as unknown;
  const rows = (Array.isArray(parsed) ? parsed : [parsed]) as {
    Name?: unknown;
    IPv4Enabled?: unknown;
    IPv6Enabled?: unknown;
  }[];
  return rows.map((row) => ({
    adapter: String(row.Name),
    ipv4Enabled: row.IPv4Enabled === true,
    ipv6Enabled: row.IPv6Enabled === true,
  }));
}

async function offloads(): Promise<WindowsOffload[] | ProbeFailure> {
  const script =
    "Get-NetAdapterLso -ErrorAction SilentlyContinue | Select-Object Name,IPv4Enabled,IPv6Enabled | ConvertTo-Json";
  try {
    const { stdout } = await run(
      "powershell.exe",
      ["-NoProfile", "-NonInteractive", "-Command", script],
      {
        windowsHide: true,
      },
    );
    return offloadsFromJson(stdout);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** The wintun adapters, as `magma adapters` lists them (the network class's wintun devices). */
async function adapters(): Promise<readonly ListedAdapter[] | ProbeFailure> {
  try {
    return await listWindowsAdapters();
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The TAP-Windows adapters, from the same device list; which of them another program holds, from
 * an open of each device (`@magma/tap-legacy`), when that can be made.
 */
async function tapAdapters(): Promise<readonly TapAdapterFact[] | ProbeFailure> {
  try {
    return tapAdaptersFrom(listNetworkAdapters(), heldTapAdapters());
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

function heldTapAdapters(): { listed: Set<string>; held: Set<string> } | undefined {
  try {
    const taps = listTapAdapters();
    return {
      listed: new Set(taps.map((tap) => tap.guid.toUpperCase())),
      held: new Set(taps.filter((tap) => tap.inUse).map((tap) => tap.guid.toUpperCase())),
    };
  } catch {
    // The check then says it could not tell, adapter by adapter.
    return undefined;
  }
}

export async function gatherWindowsFacts(
  requestedAdapter: string | undefined,
): Promise<WindowsFacts> {
  const [administrator, library, listed, taps, lso] = await Promise.all([
    elevated(),
    gatherLibrary(),
    adapters(),
    tapAdapters(),
    offloads(),
  ]);
  return {
    runtime: { nodeVersion: process.version, arch: process.arch, platform: "win32" },
    administrator,
    windowsRelease: release(),
    library,
    adapters: listed,
    tapAdapters: taps,
    requestedAdapter,
    offloads: lso,
  };
}
