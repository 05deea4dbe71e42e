import { existsSync } from "node:fs";
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
  // This module is in src/ or dist/ of packages/tap-legacy, so the workspace is three levels up.
  const repositoryBuild = fileURLToPath(
    new URL("../../../tools/tap-windows-emu/build/libtapwindowsemu.so", import.meta.url),
  );
  return existsSync(repositoryBuild) ? repositoryBuild : "libtapwindowsemu.so";
}

/** The loaded TAP table for `libraryPath` (see tapLibraryPath); throws TapError when it cannot load. */
export function loadTapLibrary(libraryPath: string | undefined): InternalNativeTapLibrary {
  const load = internalNativeAddon().loadTapLibrary;
  if (load === undefined) throw new TapError(TapErrorCode.NOT_SUPPORTED, "loadTapLibrary");
  const path = tapLibraryPath(libraryPath);
  try {
    return load(path);
  } catch (error) {
    throw TapError.fromNative(error, path === "" ? undefined : path);
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
