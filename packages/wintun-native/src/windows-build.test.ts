import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const hasMingw =
  spawnSync("x86_64-w64-mingw32-g++-posix", ["--version"], { stdio: "ignore" }).status === 0;
// CI installs mingw-w64 (tools/setup/install-deps.sh) and sets MAGMA_REQUIRE_TUN=1: there a
// missing cross compiler fails below instead of skipping. The AddressSanitizer run repeats only
// the tests that execute native code.
const skip =
  process.env.MAGMA_ASAN_RUN === "1" || (!hasMingw && process.env.MAGMA_REQUIRE_TUN !== "1");

describe.skipIf(skip)("the Windows build (mingw-w64, x64)", () => {
  it("compiles and links to a PE32+ x86-64 DLL that Node can register, importing only system DLLs and delay-loading Node-API", () => {
    execFileSync("bash", ["scripts/build-windows.sh"], {
      cwd: packageDir,
      stdio: "pipe",
      timeout: 300_000,
    });
    const dump = execFileSync(
      "x86_64-w64-mingw32-objdump",
      ["-p", "build/windows/magma_wintun.node"],
      { cwd: packageDir, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
    );
    expect(dump).toMatch(/file format pei-x86-64/);
    expect(dump).toMatch(/Magic\s+020b\s+\(PE32\+\)/);
    expect(dump).toMatch(/\]\s+napi_register_module_v1/);
    const imported = [...dump.matchAll(/DLL Name: (\S+)/g)]
      .map((match) => match[1]?.toUpperCase())
      .sort();
    // SETUPAPI and ADVAPI32 (the registry): the network adapter listing (native/src/netadapters)
    // and making and removing TAP adapters (native/src/tap/tap_setupapi_windows.cc); no newdev.
    expect(imported).toEqual([
      "ADVAPI32.DLL",
      "IPHLPAPI.DLL",
      "KERNEL32.DLL",
      "MSVCRT.DLL",
      "SETUPAPI.DLL",
    ]);
    // Node-API is delay-loaded from NODE.EXE, which the hook maps to the running executable:
    // the loader itself never looks for a node.exe, so any host name works (tools/wine-test runs
    // it in a renamed node.exe).
    const binary = readFileSync(`${packageDir}/build/windows/magma_wintun.node`, "latin1");
    expect(binary).toContain("NODE.EXE\0");
    expect(binary).toContain("napi_create_function\0");
    expect(dump).not.toMatch(/\]\s+napi_create_function/);
    // wintun.dll is loaded at run time, restricted to the application directory and System32.
    for (const call of [
      "LoadLibraryExW",
      "GetProcAddress",
      "WaitForMultipleObjects",
      "CreateEventW",
      "GetLastError",
      // The adapter listing: the network class's devices, their class keys, their interfaces.
      "SetupDiGetClassDevsExW",
      "SetupDiOpenDevRegKey",
      "SetupDiGetDevicePropertyW",
      "RegGetValueW",
      "ConvertInterfaceGuidToLuid",
      "GetUnicastIpAddressTable",
      // TAP adapters made and removed as tapctl does, named through netsh.
      "SetupDiCreateDeviceInfoW",
      "SetupDiSelectBestCompatDrv",
      "SetupDiCallClassInstaller",
      "SetupDiSetClassInstallParamsW",
      "CreateProcessW",
    ]) {
      expect(dump).toContain(call);
    }
  });
});
