import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The architectures this package ships a library for (Node's `process.arch` names). */
export const PREBUILT_ARCHITECTURES: readonly string[] = ["x64", "arm64"];

/**
 * Where this package keeps the library for a Linux `arch` (a `process.arch` value):
 * `prebuilds/linux-<arch>/libwintun.so` under the package root. The layout is this package's
 * contract; @magma/wintun-native finds the file the same way without importing this module.
 */
export function prebuiltLibraryPath(arch: string = process.arch): string {
  return fileURLToPath(new URL(`../prebuilds/linux-${arch}/libwintun.so`, import.meta.url));
}

/**
 * The library for this process: its path when this is Linux and the package holds a build for
 * this architecture, else undefined. Pass it to `WinTunLibrary.load`, or leave @magma/wintun-native
 * to find it by itself.
 */
export function libraryPath(): string | undefined {
  if (process.platform !== "linux") return undefined;
  const path = prebuiltLibraryPath();
  return existsSync(path) ? path : undefined;
}
