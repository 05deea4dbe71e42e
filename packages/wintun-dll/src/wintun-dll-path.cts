import { existsSync } from "node:fs";
import { join } from "node:path";
import { WintunDllError } from "./wintun-dll-error.cjs";
import { isWintunDllArch, WINTUN_DLL_PINS, type WintunDllArch } from "./wintun-dll-pins.cjs";

/** This package's folder: dist/ is one level below it. */
const packageRoot = join(__dirname, "..");

/** Where the DLL for `arch` lies in this package, whether or not it is there. */
export function wintunDllFile(arch: WintunDllArch): string {
  return join(packageRoot, "wintun", "bin", WINTUN_DLL_PINS[arch].wintunArch, "wintun.dll");
}

/**
 * The absolute path of the signed wintun.dll for a Node.js architecture (by default this process's),
 * to hand to LoadLibrary. Throws `WintunDllError` with `UNSUPPORTED_ARCH` for an architecture wintun
 * does not ship, and `DLL_MISSING` when the file is not in the installed package.
 */
export function wintunDllPath(arch: string = process.arch): string {
  if (!isWintunDllArch(arch)) {
    throw new WintunDllError(
      "UNSUPPORTED_ARCH",
      `wintun ${JSON.stringify(arch)}: no wintun.dll for this architecture; there is one for ${Object.keys(WINTUN_DLL_PINS).join(", ")}`,
      { hint: "run an x64, arm64, ia32 or arm build of Node.js" },
    );
  }
  const file = wintunDllFile(arch);
  if (!existsSync(file)) {
    throw new WintunDllError("DLL_MISSING", `wintun.dll for ${arch} is missing: ${file}`, {
      hint: "reinstall @magma/wintun-dll; in its source tree, run its build, which fetches the DLLs",
    });
  }
  return file;
}
