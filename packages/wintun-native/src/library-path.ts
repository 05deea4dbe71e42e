import { fileURLToPath } from "node:url";

/**
 * Where to load wintun from when the caller names no path. Windows: `MAGMA_WINTUN_DLL`, else the
 * empty string, which makes the addon load "wintun.dll" from the application directory or System32
 * only. Elsewhere: `MAGMA_WINTUN_LIBRARY`, else the emulator built in this workspace
 * (tools/wintun-emu/build/libwintun.so).
 */
export function defaultLibraryPath(): string {
  if (process.platform === "win32") return process.env.MAGMA_WINTUN_DLL ?? "";
  return (
    process.env.MAGMA_WINTUN_LIBRARY ??
    fileURLToPath(new URL("../../../tools/wintun-emu/build/libwintun.so", import.meta.url))
  );
}
