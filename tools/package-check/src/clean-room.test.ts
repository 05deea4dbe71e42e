// Installs the packed tarballs with npm into a project outside the workspace, as a user would,
// and loads every package there with require() and with import. The project's folder name holds a
// space and a "#", which a file URL must escape: the CommonJS build finds the addon from its own
// file URL, so a wrongly built URL fails here.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { packageManifest, publishedPackageDirs, workspaceRoot } from "./published-packages.js";

const emulatorLibrary = join(workspaceRoot, "tools", "wintun-emu", "build", "libwintun.so");
const ERROR_NOT_FOUND = 1168;

let project: string;

function fileSpec(tarball: string): string {
  return `file:${tarball}`;
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "magma clean room #"));
  const tarballs = inject("tarballs");
  const dependencies: Record<string, string> = {};
  for (const [dir, tarball] of Object.entries(tarballs)) {
    dependencies[packageManifest(dir).name] = fileSpec(tarball);
  }
  // The packages depend on each other by version range; the overrides make npm take those from
  // the tarballs too, never from the registry (node-addon-api still comes from there).
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "clean-room", private: true, dependencies, overrides: dependencies }),
  );
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: project,
    encoding: "utf8",
  });
  if (install.status !== 0) {
    throw new Error(`npm install of the tarballs failed:\n${install.stdout}${install.stderr}`);
  }
  for (const script of ["use-packages.cjs", "use-packages.mjs"]) {
    copyFileSync(join(import.meta.dirname, "..", "clean-room", script), join(project, script));
  }
});

afterAll(() => {
  if (project !== undefined) rmSync(project, { recursive: true, force: true });
});

function runInProject(script: string): Record<string, unknown> {
  const run = spawnSync(process.execPath, [script], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, MAGMA_WINTUN_LIBRARY: emulatorLibrary },
  });
  if (run.status !== 0) throw new Error(`node ${script} failed:\n${run.stdout}${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe("the packed packages, installed with npm outside the workspace", () => {
  it("load with require() and work: a UDP packet built, a pool slot rented, typed errors", () => {
    const seen = runInProject("use-packages.cjs");
    expect(seen.udp).toEqual({
      length: 20 + 8 + 4,
      parsed: true,
      checksumValid: true,
      version: 4,
      protocol: 17,
      source: "198.18.0.1",
      destination: "198.18.0.2",
    });
    expect(seen.pool).toEqual({ rentedLength: 2048 });
    expect(seen.poolError).toEqual({
      name: "OptionError",
      isOptionError: true,
      isPoolsOptionError: true,
      isMagmaError: true,
    });
    expect(seen.tcpError).toEqual({
      name: "TcpConfigurationError",
      isTcpConfigurationError: true,
      isMagmaError: true,
    });
    expect(seen.sameClassThroughEveryPackage).toBe(true);
  });

  it("give the path of the installed package's own wintun.dll through require()", () => {
    const seen = runInProject("use-packages.cjs");
    expect(seen.dll).toEqual({ inPackage: true, exists: true });
    expect(seen.dllError).toEqual({
      name: "WintunDllError",
      code: "UNSUPPORTED_ARCH",
      isWintunDllError: true,
    });
  });

  it("load the addon through require() and throw WinTunError, a MagmaError, from it", () => {
    const seen = runInProject("use-packages.cjs");
    expect(seen.adapterError).toEqual({
      name: "WinTunError",
      code: ERROR_NOT_FOUND,
      isWinTunError: true,
      isMagmaError: true,
    });
  });

  it("give import the same names as require(), each the very same value", () => {
    const seen = runInProject("use-packages.mjs") as {
      exports: Record<string, { imported: string[]; required: string[] }>;
      notShared: string[];
    };
    expect(Object.keys(seen.exports).sort()).toEqual(
      publishedPackageDirs.map((dir) => packageManifest(dir).name).sort(),
    );
    for (const { imported, required } of Object.values(seen.exports)) {
      expect(imported.length).toBeGreaterThan(0);
      expect(imported).toEqual(required);
    }
    expect(seen.notShared).toEqual([]);
  });

  it("throw errors through import that are instances of the classes require() gives", () => {
    const seen = runInProject("use-packages.mjs");
    expect(seen.icmpLength).toBe(20 + 8);
    expect(seen.adapterError).toEqual({
      name: "WinTunError",
      code: ERROR_NOT_FOUND,
      isRequiredWinTunError: true,
      isRequiredMagmaError: true,
    });
    expect(seen.poolErrorIsRequiredOptionError).toBe(true);
  });
});
