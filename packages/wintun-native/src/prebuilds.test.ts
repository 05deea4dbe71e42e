import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { prebuildFileName, searchAddon } from "./addon-search.js";
import {
  floorViolations,
  isStripped,
  objdump,
  parseDynamicSymbols,
} from "./test-support/binary-dependencies.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const wintunLinuxDir = dirname(
  createRequire(import.meta.url).resolve("@magma/wintun-linux/package.json"),
);
const NODE_API_ENTRY_POINTS = ["napi_register_module_v1", "node_api_module_get_api_version_v1"];

interface ShippedLinuxBinary {
  readonly name: string;
  readonly path: string;
  /** Which exported symbols are its API. */
  readonly api: (symbol: string) => boolean;
}

const linuxBinaries: readonly ShippedLinuxBinary[] = [
  ...["linux-x64", "linux-arm64"].map((tuple) => ({
    name: tuple,
    path: join(packageDir, "prebuilds", tuple, prebuildFileName("linux")),
    api: (symbol: string) => NODE_API_ENTRY_POINTS.includes(symbol),
  })),
  // The wintun library for Linux that @magma/wintun-linux ships, linked the same way.
  ...["linux-x64", "linux-arm64"].map((tuple) => ({
    name: `wintun-linux ${tuple}`,
    path: join(wintunLinuxDir, "prebuilds", tuple, "libwintun.so"),
    api: (symbol: string) => symbol.startsWith("Wintun"),
  })),
];
const win32X64 = join(packageDir, "prebuilds", "win32-x64", prebuildFileName("win32"));

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

// What the builds must have made here (scripts/build-prebuilds.sh builds what the machine has
// compilers for; @magma/wintun-linux's build makes both of its libraries or fails): those must be
// present, so a missing one fails rather than skips. CI has every compiler.
const onLinuxX64 = process.platform === "linux" && process.arch === "x64";
const required = new Set<string>();
if (onLinuxX64) {
  required.add("linux-x64").add("wintun-linux linux-x64").add("wintun-linux linux-arm64");
  if (onPath("aarch64-linux-gnu-g++")) required.add("linux-arm64");
  if (onPath("x86_64-w64-mingw32-g++-posix")) required.add("win32-x64");
}

// GNU objdump reads ELF and PE files alike; binutils comes with the Linux toolchain.
const haveObjdump = spawnSync("objdump", ["--version"], { stdio: "ignore" }).status === 0;

function present(name: string, path: string): boolean {
  if (existsSync(path)) return true;
  if (required.has(name)) throw new Error(`${name} should have been built at ${path}`);
  return false;
}

describe("objdump -T reading", () => {
  const sample = [
    "0000000000000000      DF *UND*\t0000000000000000 (GLIBC_2.34) pthread_create",
    "0000000000000000      DF *UND*\t0000000000000000 (GLIBCXX_3.4.30) _ZSt28__throw_bad_array_new_lengthv",
    "0000000000000000      D  *UND*\t0000000000000000  Base        napi_create_promise",
    "0000000000006990 l    d  .init\t0000000000000000              .init",
    "0000000000010a30 g    DF .text\t000000000000001c  Base        napi_register_module_v1",
    "0000000000028790  w   DF .text\t000000000000016f  Base        _ZNSt6vectorIjSaIjEE7reserveEm",
  ].join("\n");

  it("collects the required versions and the exported symbols", () => {
    const { versions, exported } = parseDynamicSymbols(sample);
    expect([...versions].sort()).toEqual(["GLIBCXX_3.4.30", "GLIBC_2.34"]);
    expect(exported).toEqual(["napi_register_module_v1", "_ZNSt6vectorIjSaIjEE7reserveEm"]);
  });

  it("flags glibc versions above 2.28 and any C++ runtime dependency", () => {
    const versions = new Set(["GLIBC_2.2.5", "GLIBC_2.28", "GLIBC_2.29", "GLIBC_2.34", "GCC_3.0"]);
    versions.add("GLIBCXX_3.4").add("CXXABI_1.3");
    expect(floorViolations(versions)).toEqual([
      "CXXABI_1.3",
      "GLIBCXX_3.4",
      "GLIBC_2.29",
      "GLIBC_2.34",
    ]);
  });

  it.runIf(haveObjdump && process.platform === "linux")(
    "catches the dynamically linked development build, which needs the build machine's libstdc++",
    ({ skip }) => {
      const local = join(packageDir, "build", "Release", "magma_wintun.node");
      if (!existsSync(local)) return skip("no local build");
      const violations = floorViolations(parseDynamicSymbols(objdump(["-T"], local)).versions);
      expect(violations.some((v) => v.startsWith("GLIBCXX_"))).toBe(true);
    },
  );
});

describe.runIf(haveObjdump).each(linuxBinaries)(
  "the shipped $name binary",
  ({ name, path, api }) => {
    it("needs glibc 2.28 at most and no libstdc++ or libgcc_s", ({ skip }) => {
      if (!present(name, path)) return skip(`not built (scripts/build-prebuilds.sh)`);
      const { versions } = parseDynamicSymbols(objdump(["-T"], path));
      expect(floorViolations(versions)).toEqual([]);
      const needed = [...objdump(["-p"], path).matchAll(/NEEDED\s+(\S+)/g)].map((m) => m[1]);
      expect(needed.filter((library) => /libstdc\+\+|libgcc_s/.test(library ?? ""))).toEqual([]);
    });

    it("exports its C API only", ({ skip }) => {
      if (!present(name, path)) return skip(`not built (scripts/build-prebuilds.sh)`);
      const { exported } = parseDynamicSymbols(objdump(["-T"], path));
      expect(exported.filter((symbol) => !api(symbol))).toEqual([]);
      expect(exported.length).toBeGreaterThan(0);
    });

    it("is stripped", ({ skip }) => {
      if (!present(name, path)) return skip(`not built (scripts/build-prebuilds.sh)`);
      expect(isStripped(path)).toBe(true);
    });
  },
);

describe.runIf(haveObjdump)("the shipped win32-x64 binary", () => {
  it("is a stripped x86-64 PE file", ({ skip }) => {
    if (!present("win32-x64", win32X64)) return skip("not built (scripts/build-prebuilds.sh)");
    expect(objdump(["-f"], win32X64)).toContain("pei-x86-64");
    expect(isStripped(win32X64)).toBe(true);
  });
});

describe("the linux-x64 prebuild", () => {
  const path = join(packageDir, "prebuilds", "linux-x64", prebuildFileName("linux"));
  it.runIf(process.platform === "linux" && process.arch === "x64")(
    "is what the search loads here when there is no local build",
    ({ skip }) => {
      if (!present("linux-x64", path)) return skip("not built (scripts/build-prebuilds.sh)");
      const require = createRequire(import.meta.url);
      const found = searchAddon({
        override: undefined,
        packageRoot: packageDir,
        platform: process.platform,
        arch: process.arch,
        glibcVersion: () => "2.28",
        exists: (file) => !file.includes(join("build", "Release")) && existsSync(file),
        list: (folder) => readdirSync(folder),
        load: (file) => require(file),
      });
      expect(found.location).toEqual({ path, source: "prebuild" });
      expect(typeof (found.addon as { loadLibrary?: unknown }).loadLibrary).toBe("function");
    },
  );
});
