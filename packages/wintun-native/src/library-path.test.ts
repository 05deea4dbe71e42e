import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import * as nodeModule from "node:module";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { wintunDllPath } from "@magma/wintun-dll";
import { libraryPath as packageLibraryPath } from "@magma/wintun-linux";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  defaultLibraryPath,
  firstLibrary,
  LINUX_LIBRARY_PACKAGE,
  packageCandidate,
  windowsDllCandidate,
  wintunLibrarySearch,
  workspaceCandidate,
} from "./library-path.js";
import { WinTunError } from "./wintun-error.js";
import { WinTunLibrary } from "./wintun-library.js";

// An empty directory: nothing resolves from there, as in a project without @magma/wintun-linux.
const elsewhere = mkdtempSync(join(tmpdir(), "magma-library-path-"));
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

// pnpm's bin shim starts vitest with NODE_PATH naming the workspace's hoisted packages, which
// every require() falls back to, so from `elsewhere` @magma/wintun-dll would still be found.
// A user's project has no such path: clear it while these tests run (Node reads NODE_PATH into
// its search list once, at start-up; _initPaths reads it again).
const moduleInternals = nodeModule.Module as unknown as { _initPaths(): void };
const savedNodePath = process.env.NODE_PATH;
beforeAll(() => {
  delete process.env.NODE_PATH;
  moduleInternals._initPaths();
});
afterAll(() => {
  if (savedNodePath !== undefined) process.env.NODE_PATH = savedNodePath;
  moduleInternals._initPaths();
});

const saved = { ...process.env };
const platform = Object.getOwnPropertyDescriptor(process, "platform")!;
afterEach(() => {
  for (const name of ["MAGMA_WINTUN_LIBRARY", "MAGMA_WINTUN_DLL"]) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  Object.defineProperty(process, "platform", platform);
});

function missingError(body: () => unknown): WinTunError {
  try {
    body();
  } catch (error) {
    if (error instanceof WinTunError) return error;
    throw error;
  }
  throw new Error("no error");
}

describe.runIf(process.platform === "linux")("the default library on Linux", () => {
  it("is @magma/wintun-linux's library when the package is installed and no variable names one", () => {
    delete process.env.MAGMA_WINTUN_LIBRARY;
    const root = dirname(
      createRequire(import.meta.url).resolve("@magma/wintun-linux/package.json"),
    );
    const expected = join(root, "prebuilds", `linux-${process.arch}`, "libwintun.so");
    expect(packageLibraryPath(), "build it: pnpm --filter @magma/wintun-linux build").toBe(
      expected,
    );
    expect(defaultLibraryPath()).toBe(expected);
    // It loads: the addon resolves its 14 exports.
    expect(WinTunLibrary.load().path).toBe(expected);
  });

  it("is MAGMA_WINTUN_LIBRARY when set", () => {
    process.env.MAGMA_WINTUN_LIBRARY = "/opt/elsewhere/libwintun.so";
    expect(defaultLibraryPath()).toBe("/opt/elsewhere/libwintun.so");
  });

  it("falls back to the repository's emulator build when the package has no library for this machine", () => {
    const workspace = workspaceCandidate()!;
    expect(workspace.path).toMatch(/tools\/wintun-emu\/build\/libwintun\.so$/);
    const withoutBuild = { path: join(elsewhere, "libwintun.so"), description: "nothing" };
    expect(firstLibrary([packageCandidate(elsewhere), withoutBuild, workspace])).toBe(
      workspace.path,
    );
  });

  it("finds no package from a project that lacks it", () => {
    expect(packageCandidate(pathToFileURL(join(elsewhere, "index.js")))).toEqual({
      path: undefined,
      description: `${LINUX_LIBRARY_PACKAGE} (not installed)`,
    });
  });

  it("without any, throws ERROR_MOD_NOT_FOUND naming where it looked and what to install", () => {
    const noBuild = join(elsewhere, "build", "libwintun.so");
    const error = missingError(() =>
      firstLibrary([
        packageCandidate(pathToFileURL(join(elsewhere, "index.js"))),
        { path: noBuild, description: `the Magma repository's emulator build ${noBuild}` },
      ]),
    );
    expect(error.code).toBe(126);
    expect(error.symbol).toBe("ERROR_MOD_NOT_FOUND");
    expect(error.call).toBe("dlopen");
    expect(error.message).toContain(`no wintun library for linux-${process.arch}`);
    expect(error.message).toContain("@magma/wintun-linux (not installed)");
    expect(error.message).toContain(noBuild);
    expect(error.hint).toContain("npm install @magma/wintun-linux");
    expect(error.hint).toContain("MAGMA_WINTUN_LIBRARY");
  });
});

describe("the default library on Windows", () => {
  const installedDll = wintunDllPath("x64");

  it("is MAGMA_WINTUN_DLL, else @magma/wintun-dll's signed DLL for this architecture", () => {
    Object.defineProperty(process, "platform", { ...platform, value: "win32" });
    delete process.env.MAGMA_WINTUN_DLL;
    expect(defaultLibraryPath()).toBe(wintunDllPath(process.arch));
    expect(installedDll).toMatch(/[/\\]wintun[/\\]bin[/\\]amd64[/\\]wintun\.dll$/);
    process.env.MAGMA_WINTUN_DLL = "C:\\magma\\wintun.dll";
    expect(defaultLibraryPath()).toBe("C:\\magma\\wintun.dll");
  });

  it("is nothing of ours where @magma/wintun-dll is not installed: the system search decides", () => {
    expect(windowsDllCandidate(pathToFileURL(join(elsewhere, "app.js")))).toBeUndefined();
  });

  it("throws the package's DLL_MISSING for an install without its DLL, never falls back to System32", () => {
    const project = mkdtempSync(join(tmpdir(), "magma-broken-wintun-dll-"));
    try {
      const installed = join(project, "node_modules", "@magma", "wintun-dll");
      const source = dirname(
        createRequire(import.meta.url).resolve("@magma/wintun-dll/package.json"),
      );
      mkdirSync(installed, { recursive: true });
      cpSync(join(source, "package.json"), join(installed, "package.json"));
      cpSync(join(source, "dist"), join(installed, "dist"), { recursive: true });
      let thrown: unknown;
      try {
        windowsDllCandidate(pathToFileURL(join(project, "app.js")));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ name: "WintunDllError", code: "DLL_MISSING" });
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});

describe("wintunLibrarySearch", () => {
  it.runIf(process.platform === "linux")(
    "lists the package's library then the emulator build, choosing the first found as load() does",
    () => {
      delete process.env.MAGMA_WINTUN_LIBRARY;
      const search = wintunLibrarySearch();
      expect(search.candidates.map((candidate) => candidate.description)).toEqual([
        expect.stringContaining("@magma/wintun-linux's library"),
        expect.stringContaining("the Magma repository's emulator build"),
      ]);
      expect(search.candidates[0]?.found).toBe(true);
      expect(search.chosen).toBe(defaultLibraryPath());
    },
  );

  it("names only the environment variable when it is set, and whether its file exists", () => {
    process.env.MAGMA_WINTUN_LIBRARY = join(elsewhere, "absent.so");
    process.env.MAGMA_WINTUN_DLL = join(elsewhere, "absent.dll");
    const variable = process.platform === "win32" ? "MAGMA_WINTUN_DLL" : "MAGMA_WINTUN_LIBRARY";
    const search = wintunLibrarySearch();
    expect(search.candidates).toEqual([
      { description: variable, path: process.env[variable], found: false },
    ]);
    expect(search.chosen).toBe(process.env[variable]);
  });

  it("on Windows, lists @magma/wintun-dll's DLL and then the system's search", () => {
    Object.defineProperty(process, "platform", { ...platform, value: "win32" });
    delete process.env.MAGMA_WINTUN_DLL;
    const search = wintunLibrarySearch();
    expect(search.candidates).toHaveLength(2);
    expect(search.candidates[0]).toEqual({
      description: "@magma/wintun-dll's wintun.dll",
      path: wintunDllPath(process.arch),
      found: true,
    });
    expect(search.candidates[1]?.description).toContain("System32");
    expect(search.chosen).toBe(wintunDllPath(process.arch));
  });
});
