import { spawnSync } from "node:child_process";

/**
 * CI sets MAGMA_REQUIRE_TUN=1 and installs python3-scapy and tshark: there a missing tool is a
 * failure. Elsewhere the cross-checks skip, saying which tool is missing.
 */
export const externalToolsRequired = process.env.MAGMA_REQUIRE_TUN === "1";

function runs(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 60_000 });
  return result.status === 0;
}

/** A Python interpreter that can import scapy (Debian's, even when another python3 is first on PATH). */
export function findScapyPython(): string | undefined {
  return ["/usr/bin/python3", "python3"].find((python) => runs(python, ["-c", "import scapy.all"]));
}

export function tsharkAvailable(): boolean {
  return runs("tshark", ["--version"]);
}

/** The error a required but missing tool raises under MAGMA_REQUIRE_TUN=1. */
export function missingToolError(tool: string, debianPackage: string): Error {
  return new Error(
    `${tool} is required when MAGMA_REQUIRE_TUN=1 (install the Debian package ${debianPackage})`,
  );
}
