import { execFile } from "node:child_process";
import { constants, existsSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { resolvedOnSystemBus } from "@magma/wintun-native";
import { listLinuxAdapters } from "../adapters/linux-adapters.js";
import type { LinuxFacts, ProbeFailure, UplinkFacts } from "./facts.js";
import { gatherLibrary } from "./gather-library.js";

const run = promisify(execFile);

function failure(error: unknown): ProbeFailure {
  return { error: error instanceof Error ? error.message : String(error) };
}

/** CapEff of /proc/self/status: the effective capabilities, a hexadecimal bit set. */
export function effectiveCapabilities(status: string): bigint | undefined {
  const hex = /^CapEff:\s*([0-9a-fA-F]+)$/m.exec(status)?.[1];
  return hex === undefined ? undefined : BigInt(`0x${hex}`);
}

/** `ethtool -k`'s "feature: on|off [fixed]" lines, as feature name to state. */
export function ethtoolFeatures(text: string): Record<string, boolean> {
  const features: Record<string, boolean> = {};
  for (const match of text.matchAll(/^\s*([\w-]+): (on|off)/gm)) {
    features[match[1] as string] = match[2] === "on";
  }
  return features;
}

async function tunFacts(): Promise<LinuxFacts["tun"]> {
  if (!existsSync("/dev/net/tun")) return { present: false, openError: undefined };
  try {
    const file = await open("/dev/net/tun", constants.O_RDWR);
    await file.close();
    return { present: true, openError: undefined };
  } catch (error) {
    return { present: true, openError: String((error as { code?: unknown }).code ?? error) };
  }
}

async function sysctlNumber(name: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(`/proc/sys/${name.replaceAll(".", "/")}`, "utf8")).trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

async function uplinkFacts(): Promise<UplinkFacts | undefined | ProbeFailure> {
  try {
    const { stdout } = await run("ip", ["-j", "route", "show", "default"]);
    const routes = JSON.parse(stdout) as { dev?: string }[];
    const interfaceName = routes.find((route) => typeof route.dev === "string")?.dev;
    if (interfaceName === undefined) return undefined;
    const features = await run("ethtool", ["-k", interfaceName]);
    return { interfaceName, features: ethtoolFeatures(features.stdout) };
  } catch (error) {
    return failure(error);
  }
}

/** Everything the Linux checks judge, read from this machine and this network namespace. */
export async function gatherLinuxFacts(requestedAdapter: string | undefined): Promise<LinuxFacts> {
  const status = await readFile("/proc/self/status", "utf8").catch(() => "");
  const [tun, library, adapters, rmemMax, wmemMax, uplink] = await Promise.all([
    tunFacts(),
    gatherLibrary(),
    listLinuxAdapters().catch(failure),
    sysctlNumber("net.core.rmem_max"),
    sysctlNumber("net.core.wmem_max"),
    uplinkFacts(),
  ]);
  return {
    runtime: { nodeVersion: process.version, arch: process.arch, platform: "linux" },
    uid: process.getuid?.() ?? -1,
    capEff: effectiveCapabilities(status),
    tun,
    library,
    adapters,
    requestedAdapter,
    socketBuffers: { rmemMax, wmemMax },
    uplink,
    resolvedRuns: resolvedOnSystemBus(),
  };
}
