import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type InternalNativeTapLibrary, internalNativeAddon } from "@magma/wintun-native";
import { TapError, TapErrorCode } from "./tap-error.js";

/**
 * The emulator library to use on Linux: `libraryPath`, else `MAGMA_TAP_LIBRARY`, else the
 * repository's build (tools/tap-windows-emu/build/libtapwindowsemu.so above this package), else
 * the bare name for the dynamic loader's search (LD_LIBRARY_PATH). On Windows "": the table is
 * the system's.
 */
export function tapLibraryPath(libraryPath: string | undefined): string {
  if (process.platform === "win32") return "";
  if (libraryPath !== undefined) return libraryPath;
  const fromEnvironment = process.env.MAGMA_TAP_LIBRARY;
  if (fromEnvironment !== undefined && fromEnvironment !== "") return fromEnvironment;
  return repositoryBuild() ?? "libtapwindowsemu.so";
}

function repositoryBuild(): string | undefined {
  // Walk up from this module (src/, or dist/ of the package) to the workspace that holds tools/.
  let folder = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 8; depth++) {
    const candidate = join(folder, "tools", "tap-windows-emu", "build", "libtapwindowsemu.so");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return undefined;
}

/** The loaded TAP table for `libraryPath` (see tapLibraryPath); throws TapError when it cannot load. */
export function loadTapLibrary(libraryPath: string | undefined): InternalNativeTapLibrary {
  const load = internalNativeAddon().loadTapLibrary;
  if (load === undefined) throw new TapError(TapErrorCode.NOT_SUPPORTED, "loadTapLibrary");
  const path = tapLibraryPath(libraryPath);
  try {
    return load(path);
  } catch (error) {
    const converted = TapError.fromNative(error);
    if (converted instanceof TapError && path !== "") {
      throw new TapError(
        converted.code,
        converted.call,
        `${converted.detail ?? ""} (library: ${path})`,
        {
          cause: error,
        },
      );
    }
    throw converted;
  }
}

/** Runs a native call, turning its Win32 failure into a TapError. */
export function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw TapError.fromNative(error);
  }
}
