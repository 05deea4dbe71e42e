import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type AddonSearchHost,
  compareVersions,
  prebuildFileName,
  searchAddon,
} from "./addon-search.js";
import { nativeAddonLocation } from "./native-addon.js";
import { WinTunError } from "./wintun-error.js";

const ROOT = "/pkg";
const LOCAL = join(ROOT, "build", "Release", "magma_wintun.node");
const LINUX_X64 = join(ROOT, "prebuilds", "linux-x64", "magma_wintun.napi.glibc.node");
const WIN32_X64 = join(ROOT, "prebuilds", "win32-x64", "magma_wintun.napi.node");

/** A machine whose files are `files`: each maps to what loading it gives, or an Error it throws. */
function host(
  files: Record<string, unknown>,
  overrides: Partial<Omit<AddonSearchHost, "glibcVersion">> & { glibc?: string | undefined } = {},
): AddonSearchHost & { loads: string[] } {
  const loads: string[] = [];
  const glibc = "glibc" in overrides ? overrides.glibc : "2.36";
  return {
    override: undefined,
    packageRoot: ROOT,
    platform: "linux",
    arch: "x64",
    glibcVersion: () => glibc,
    exists: (path) => path in files,
    list: (path) => {
      const prefix = `${path}/`;
      const entries = Object.keys(files)
        .filter((f) => f.startsWith(prefix))
        .map((f) => f.slice(prefix.length).split("/")[0] ?? "");
      return [...new Set(entries)];
    },
    load: (path) => {
      loads.push(path);
      if (!(path in files)) throw new Error(`Cannot find module '${path}'`);
      const content = files[path];
      if (content instanceof Error) throw content;
      return content;
    },
    ...overrides,
    loads,
  };
}

function searchError(machine: AddonSearchHost): WinTunError {
  try {
    searchAddon(machine);
  } catch (error) {
    if (error instanceof WinTunError) return error;
    throw error;
  }
  throw new Error("searchAddon found an addon");
}

describe("addon search", () => {
  it("prefers the local build to the prebuild", () => {
    const machine = host({ [LOCAL]: "local", [LINUX_X64]: "prebuilt" });
    expect(searchAddon(machine)).toEqual({
      addon: "local",
      location: { path: LOCAL, source: "local-build" },
    });
  });

  it("loads the prebuild for this platform and architecture when there is no local build", () => {
    const machine = host({ [LINUX_X64]: "prebuilt", [WIN32_X64]: "windows" });
    expect(searchAddon(machine).location).toEqual({ path: LINUX_X64, source: "prebuild" });
    expect(searchAddon(host({ [WIN32_X64]: "windows" }, { platform: "win32" })).addon).toBe(
      "windows",
    );
  });

  it("falls back to the prebuild when the local build does not load", () => {
    const machine = host({ [LOCAL]: new Error("wrong ELF class"), [LINUX_X64]: "prebuilt" });
    expect(searchAddon(machine).location.source).toBe("prebuild");
    expect(machine.loads).toEqual([LOCAL, LINUX_X64]);
  });

  it("loads only MAGMA_WINTUN_ADDON when it is set, and says so when it fails", () => {
    const machine = host(
      { "/asan/magma_wintun.node": "asan", [LOCAL]: "local" },
      { override: "/asan/magma_wintun.node" },
    );
    expect(searchAddon(machine).location).toEqual({
      path: "/asan/magma_wintun.node",
      source: "override",
    });

    const broken = host({ [LOCAL]: "local" }, { override: "/missing.node" });
    const error = searchError(broken);
    expect(broken.loads).toEqual(["/missing.node"]);
    expect(error.message).toContain("MAGMA_WINTUN_ADDON /missing.node: failed to load");
    expect(error.message).not.toContain("local build");
    expect(error.hint).toContain("unset it");
  });

  it("names every place looked at and why each gave nothing", () => {
    const error = searchError(host({}, { arch: "riscv64" }));
    expect(error.code).toBe(126);
    expect(error.symbol).toBe("ERROR_MOD_NOT_FOUND");
    expect(error.call).toBe("require");
    expect(error.message).toContain("for linux-riscv64");
    expect(error.message).toContain(`local build ${LOCAL}: not built`);
    expect(error.message).toContain(
      "prebuild /pkg/prebuilds/linux-riscv64/magma_wintun.napi.glibc.node: this package has no prebuilds",
    );
    expect(error.hint).toContain("npm rebuild @magma/wintun-native");
  });

  it("lists the prebuilds the package has when none is for this machine", () => {
    const error = searchError(host({ [LINUX_X64]: "x", [WIN32_X64]: "w" }, { arch: "riscv64" }));
    expect(error.message).toMatch(/no prebuild for linux-riscv64; the package has (linux|win32)/);
  });

  it("carries the load failures' reasons and the last one as the cause", () => {
    const cause = new Error("GLIBC_2.99 not found");
    const error = searchError(host({ [LOCAL]: new Error("bad local"), [LINUX_X64]: cause }));
    expect(error.message).toContain(
      "local build /pkg/build/Release/magma_wintun.node: failed to load: bad local",
    );
    expect(error.message).toContain("failed to load: GLIBC_2.99 not found");
    expect(error.cause).toBe(cause);
  });

  it("does not load the glibc prebuild on musl or on a glibc older than 2.28", () => {
    const musl = host({ [LINUX_X64]: "prebuilt" }, { glibc: undefined });
    expect(searchError(musl).message).toContain("not glibc");
    expect(musl.loads).toEqual([]);

    const old = host({ [LINUX_X64]: "prebuilt" }, { glibc: "2.17" });
    expect(searchError(old).message).toContain("needs glibc 2.28 or later, this system has 2.17");
    expect(old.loads).toEqual([]);

    expect(searchAddon(host({ [LINUX_X64]: "prebuilt" }, { glibc: "2.28" })).addon).toBe(
      "prebuilt",
    );
  });

  it("names prebuilds with node-gyp-build's tags", () => {
    expect(prebuildFileName("linux")).toBe("magma_wintun.napi.glibc.node");
    expect(prebuildFileName("win32")).toBe("magma_wintun.napi.node");
  });

  it("compares dotted versions numerically", () => {
    expect(compareVersions("2.28", "2.28")).toBe(0);
    expect(compareVersions("2.9", "2.28")).toBeLessThan(0);
    expect(compareVersions("2.36", "2.28")).toBeGreaterThan(0);
    expect(compareVersions("2.28.1", "2.28")).toBeGreaterThan(0);
  });
});

describe("the addon this package loads", () => {
  it("is the local build in the repository, or the override when one is set", () => {
    const location = nativeAddonLocation();
    const override = process.env.MAGMA_WINTUN_ADDON;
    if (override !== undefined && override !== "") {
      expect(location).toEqual({ path: override, source: "override" });
    } else {
      expect(location.source).toBe("local-build");
      expect(location.path).toMatch(/wintun-native[/\\]build[/\\]Release[/\\]magma_wintun\.node$/);
    }
  });
});
