import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Win32Error } from "./win32-error-names.js";
import { WinTunError } from "./wintun-error.js";

/** The package that ships libwintun.so for Linux, an optional dependency of this one. */
export const LINUX_LIBRARY_PACKAGE = "@magma/wintun-linux";

/** The opt-in package that ships the signed wintun.dll, an optional peer dependency of this one. */
export const WINDOWS_DLL_PACKAGE = "@magma/wintun-dll";

/** @internal One place the Linux search looks, and how to name it in an error. */
export interface LibraryCandidate {
  /** undefined when there is no file to look at (the package is not installed). */
  readonly path: string | undefined;
  readonly description: string;
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "MODULE_NOT_FOUND" || code === "ERR_PACKAGE_PATH_NOT_EXPORTED";
}

/**
 * @internal The library @magma/wintun-linux holds for this architecture, resolved as a module
 * is from `from` (this file, or a test's directory): its package root, then
 * `prebuilds/linux-<arch>/libwintun.so`, the package's documented layout. Resolving its
 * package.json, not its entry point, works the same from ESM and CommonJS and loads nothing.
 */
export function packageCandidate(from: string | URL): LibraryCandidate {
  let root: string;
  try {
    root = dirname(createRequire(from).resolve(`${LINUX_LIBRARY_PACKAGE}/package.json`));
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
    return { path: undefined, description: `${LINUX_LIBRARY_PACKAGE} (not installed)` };
  }
  const path = join(root, "prebuilds", `linux-${process.arch}`, "libwintun.so");
  return { path, description: `${LINUX_LIBRARY_PACKAGE}'s library ${path}` };
}

/**
 * @internal The emulator built in the Magma repository (tools/wintun-emu), for work inside it;
 * undefined for an installed copy of this package, which has no repository around it to name.
 */
export function workspaceCandidate(): LibraryCandidate | undefined {
  const emulator = new URL("../../../tools/wintun-emu/", import.meta.url);
  if (!existsSync(new URL("CMakeLists.txt", emulator))) return undefined;
  const path = fileURLToPath(new URL("build/libwintun.so", emulator));
  return { path, description: `the Magma repository's emulator build ${path}` };
}

/**
 * @internal The first candidate whose file exists; otherwise a WinTunError (ERROR_MOD_NOT_FOUND,
 * from "dlopen", as when a named library is missing) that lists where it looked and what to
 * install.
 */
export function firstLibrary(candidates: readonly LibraryCandidate[]): string {
  for (const candidate of candidates) {
    if (candidate.path !== undefined && existsSync(candidate.path)) return candidate.path;
  }
  const looked = candidates.map((candidate) => candidate.description).join("; ");
  const supported = process.arch === "x64" || process.arch === "arm64";
  const install = supported
    ? `npm install ${LINUX_LIBRARY_PACKAGE}, which ships libwintun.so for linux-x64 and linux-arm64`
    : `${LINUX_LIBRARY_PACKAGE} ships libwintun.so for linux-x64 and linux-arm64 only: build tools/wintun-emu of the Magma repository for ${process.arch}`;
  throw new WinTunError(
    Win32Error.MOD_NOT_FOUND,
    "dlopen",
    `no wintun library for ${process.platform}-${process.arch}: looked for ${looked}`,
    { hint: `${install}; or pass libraryPath / set MAGMA_WINTUN_LIBRARY to a libwintun.so` },
  );
}

/**
 * @internal The signed wintun.dll that @magma/wintun-dll holds for this process's architecture,
 * resolved as a module is from `from`; undefined when that package is not installed, or has no
 * DLL for this architecture, so that the addon searches the application directory and System32
 * instead. A broken install (the package there, its DLL missing) throws its DLL_MISSING error:
 * falling back to whatever wintun.dll System32 holds would hide it.
 */
export function windowsDllCandidate(from: string | URL): string | undefined {
  const requireFrom = createRequire(from);
  try {
    // Resolution alone first: a MODULE_NOT_FOUND from inside the package is not "not installed".
    requireFrom.resolve(WINDOWS_DLL_PACKAGE);
  } catch (error) {
    if (isModuleNotFound(error)) return undefined;
    throw error;
  }
  const wintunDll = requireFrom(WINDOWS_DLL_PACKAGE) as typeof import("@magma/wintun-dll");
  if (!wintunDll.isWintunDllArch(process.arch)) return undefined;
  return wintunDll.wintunDllPath(process.arch);
}

/**
 * Where to load wintun from when the caller names no path. Windows: `MAGMA_WINTUN_DLL`, else the
 * signed wintun.dll of @magma/wintun-dll when it is installed, else the empty string, which makes
 * the addon load "wintun.dll" from the application directory or System32 only. Elsewhere: `MAGMA_WINTUN_LIBRARY`, else the library of @magma/wintun-linux when it is
 * installed (npm installs it with this package on Linux), else the emulator built in the Magma
 * repository (tools/wintun-emu/build/libwintun.so); else it throws WinTunError
 * ERROR_MOD_NOT_FOUND naming where it looked.
 */
export function defaultLibraryPath(): string {
  if (process.platform === "win32") {
    return process.env.MAGMA_WINTUN_DLL ?? windowsDllCandidate(import.meta.url) ?? "";
  }
  const named = process.env.MAGMA_WINTUN_LIBRARY;
  if (named !== undefined) return named;
  const workspace = workspaceCandidate();
  const candidates = [packageCandidate(import.meta.url)];
  return firstLibrary(workspace === undefined ? candidates : [...candidates, workspace]);
}

/** One place the default search for the wintun library looks, and what it found there. */
export interface WinTunLibraryCandidate {
  /** What the place is, for a person: "MAGMA_WINTUN_LIBRARY", "@magma/wintun-linux's library …". */
  readonly description: string;
  /** The file looked at; undefined when there is none to look at (a package not installed). */
  readonly path: string | undefined;
  /** Whether the file is there (on Windows' system search: whether System32 holds one). */
  readonly found: boolean;
}

/** The default search for the wintun library, step by step: what `WinTunLibrary.load()` would load. */
export interface WinTunLibrarySearch {
  /** Every place looked at, in the search's order. */
  readonly candidates: readonly WinTunLibraryCandidate[];
  /**
   * The path the default would load: the first candidate found ("" on Windows for the system's
   * own search of the application directory and System32); undefined when nothing was found.
   */
  readonly chosen: string | undefined;
}

function fileCandidate(description: string, path: string): WinTunLibraryCandidate {
  return { description, path, found: existsSync(path) };
}

/**
 * The places `WinTunLibrary.load()` without a path searches, in its order, each with whether a
 * file is there, and which one it would load: for a diagnosis of "the library was not found" or
 * "the wrong one was loaded". It loads nothing. An environment variable, when set, is the only
 * place searched, as for the load itself.
 */
export function wintunLibrarySearch(): WinTunLibrarySearch {
  if (process.platform === "win32") {
    const named = process.env.MAGMA_WINTUN_DLL;
    if (named !== undefined) {
      return { candidates: [fileCandidate("MAGMA_WINTUN_DLL", named)], chosen: named };
    }
    const dll = windowsDllCandidate(import.meta.url);
    const packaged: WinTunLibraryCandidate =
      dll === undefined
        ? { description: `${WINDOWS_DLL_PACKAGE} (not installed)`, path: undefined, found: false }
        : fileCandidate(`${WINDOWS_DLL_PACKAGE}'s wintun.dll`, dll);
    const system32 = join(process.env.SystemRoot ?? "C:\\Windows", "System32", "wintun.dll");
    const system = fileCandidate(
      "wintun.dll from the application directory or System32 (the system's search)",
      system32,
    );
    return { candidates: [packaged, system], chosen: dll ?? "" };
  }
  const named = process.env.MAGMA_WINTUN_LIBRARY;
  if (named !== undefined) {
    return { candidates: [fileCandidate("MAGMA_WINTUN_LIBRARY", named)], chosen: named };
  }
  const workspace = workspaceCandidate();
  const places = [
    packageCandidate(import.meta.url),
    ...(workspace === undefined ? [] : [workspace]),
  ];
  const candidates = places.map((place) =>
    place.path === undefined
      ? { description: place.description, path: undefined, found: false }
      : fileCandidate(place.description, place.path),
  );
  return { candidates, chosen: candidates.find((candidate) => candidate.found)?.path };
}
