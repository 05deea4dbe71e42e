import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { prebuildFileName } from "./addon-search.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const prebuild = join(packageDir, "prebuilds", "linux-x64", prebuildFileName("linux"));

function runInstall(dir: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(dir, "scripts", "install.mjs")], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, MAGMA_WINTUN_ADDON: "", ...env },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/**
 * The package as npm installs it: what package.json `files` ships (dist, the native sources, the
 * install script, prebuilds when `withPrebuilds`), under build/install-test/ so its dependencies
 * resolve from this package's node_modules. Kept between runs so a fallback build is incremental.
 */
function installedCopy(name: string, withPrebuilds: boolean): string {
  const dir = join(
    packageDir,
    "build",
    "install-test",
    name,
    "node_modules",
    "@magma",
    "wintun-native",
  );
  // A fresh copy each time: an addon an earlier run built there would be found instead.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "scripts"), { recursive: true });
  for (const entry of ["package.json", "CMakeLists.txt", "dist", "native"]) {
    cpSync(join(packageDir, entry), join(dir, entry), { recursive: true });
  }
  cpSync(join(packageDir, "scripts", "install.mjs"), join(dir, "scripts", "install.mjs"));
  rmSync(join(dir, "dist", "test-support"), { recursive: true, force: true });
  rmSync(join(dir, "prebuilds"), { recursive: true, force: true });
  if (withPrebuilds)
    cpSync(join(packageDir, "prebuilds"), join(dir, "prebuilds"), { recursive: true });
  return dir;
}

function loadedFrom(dir: string): unknown {
  const script =
    'import("./dist/index.js").then((m) => console.log(JSON.stringify(m.nativeAddonLocation())))';
  const result = spawnSync(process.execPath, ["-e", script], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, MAGMA_WINTUN_ADDON: "" },
  });
  expect(result.stderr).toBe("");
  return JSON.parse(result.stdout);
}

const onLinuxX64 = process.platform === "linux" && process.arch === "x64";

describe("the install script", () => {
  it("does nothing in the source checkout", () => {
    const { status, output } = runInstall(packageDir);
    expect(status).toBe(0);
    expect(output).toContain("source checkout, nothing to install");
  });

  it.runIf(onLinuxX64)("does nothing when a prebuild loads", ({ skip }) => {
    if (!existsSync(prebuild)) return skip("no linux-x64 prebuild (scripts/build-prebuilds.sh)");
    const dir = installedCopy("with-prebuilds", true);
    rmSync(join(dir, "build"), { recursive: true, force: true });
    const { status, output } = runInstall(dir);
    expect(status).toBe(0);
    expect(output).toContain("using the prebuild");
    expect(existsSync(join(dir, "build"))).toBe(false);
    expect(loadedFrom(dir)).toEqual({
      path: join(dir, "prebuilds", "linux-x64", prebuildFileName("linux")),
      source: "prebuild",
    });
  });

  it.runIf(onLinuxX64)(
    "builds with cmake-js when no prebuild fits, saying why, and the build is then loaded",
    () => {
      const dir = installedCopy("without-prebuilds", false);
      const { status, output } = runInstall(dir);
      expect(output).toContain("no prebuilt addon loads on this machine");
      expect(output).toContain("this package has no prebuilds");
      expect(output).toContain("building the addon from source with cmake-js");
      expect(status).toBe(0);
      expect(loadedFrom(dir)).toEqual({
        path: join(dir, "build", "Release", "magma_wintun.node"),
        source: "local-build",
      });
    },
    600_000,
  );
});
