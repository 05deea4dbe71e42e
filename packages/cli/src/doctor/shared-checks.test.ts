import { describe, expect, it } from "vitest";
import { healthyLibrary } from "../test-support/doctor-facts.js";
import {
  driverCheck,
  libraryArchitectureCheck,
  libraryCheck,
  runtimeCheck,
  tapCheck,
} from "./shared-checks.js";

describe("runtimeCheck", () => {
  it("passes Node.js 20 on linux-x64", () => {
    const result = runtimeCheck({ nodeVersion: "v20.19.0", arch: "x64", platform: "linux" });
    expect(result).toMatchObject({ status: "pass", detail: "v20.19.0 on linux-x64" });
  });

  it("fails Node.js 18 and says what to install", () => {
    const result = runtimeCheck({ nodeVersion: "v18.20.4", arch: "x64", platform: "linux" });
    expect(result.status).toBe("fail");
    expect(result.detail).toContain("needs Node.js 20 or later");
    expect(result.fix).toContain("install Node.js 20");
  });

  it("warns on an architecture without a prebuilt addon", () => {
    const result = runtimeCheck({ nodeVersion: "v20.19.0", arch: "arm64", platform: "win32" });
    expect(result.status).toBe("warn");
    expect(result.fix).toContain("builds the addon from source");
  });
});

describe("libraryCheck", () => {
  it("passes with the loaded file, and lists every place searched with what was there", () => {
    const result = libraryCheck(healthyLibrary());
    expect(result.status).toBe("pass");
    expect(result.detail).toBe("loaded /opt/magma/libwintun.so");
    expect(result.notes).toEqual([
      "@magma/wintun-linux's library: /opt/magma/libwintun.so (used)",
      "the Magma repository's emulator build: /repo/libwintun.so (not found)",
    ]);
  });

  it("fails when none was found, with the library's hint as the fix", () => {
    const result = libraryCheck(
      healthyLibrary({
        search: {
          candidates: [
            { description: "@magma/wintun-linux (not installed)", path: undefined, found: false },
          ],
          chosen: undefined,
        },
        load: {
          loaded: false,
          code: "ERROR_MOD_NOT_FOUND",
          message: "no wintun library for linux-x64",
          hint: "npm install @magma/wintun-linux",
        },
      }),
    );
    expect(result.status).toBe("fail");
    expect(result.detail).toBe("ERROR_MOD_NOT_FOUND: no wintun library for linux-x64");
    expect(result.notes).toEqual(["@magma/wintun-linux (not installed) (not found)"]);
    expect(result.fix).toBe("npm install @magma/wintun-linux");
  });

  it("says the file a variable names is not there, rather than used", () => {
    const named = {
      description: "MAGMA_WINTUN_LIBRARY",
      path: "/nowhere/libwintun.so",
      found: false,
    };
    const result = libraryCheck(
      healthyLibrary({
        search: { candidates: [named], chosen: named.path },
        load: {
          loaded: false,
          code: "ERROR_MOD_NOT_FOUND",
          message: "cannot open",
          hint: undefined,
        },
      }),
    );
    expect(result.notes).toEqual(["MAGMA_WINTUN_LIBRARY: /nowhere/libwintun.so (not found)"]);
  });

  it("says System32's DLL is used when Windows' own search loads it", () => {
    const system32 = "C:\\Windows\\System32\\wintun.dll";
    const result = libraryCheck(
      healthyLibrary({
        search: {
          candidates: [
            { description: "@magma/wintun-dll (not installed)", path: undefined, found: false },
            { description: "the system's search", path: system32, found: true },
          ],
          chosen: "",
        },
        load: { loaded: true, path: "" },
      }),
    );
    expect(result.detail).toBe("loaded wintun.dll from the application directory or System32");
    expect(result.notes).toEqual([
      "@magma/wintun-dll (not installed) (not found)",
      `the system's search: ${system32} (used)`,
    ]);
  });

  it("says a found file was passed over for an earlier one", () => {
    const library = healthyLibrary();
    const second = { description: "the emulator build", path: "/repo/libwintun.so", found: true };
    const result = libraryCheck({
      ...library,
      search: { ...library.search, candidates: [library.search.candidates[0]!, second] },
    });
    expect(result.notes[1]).toContain("found, not used: an earlier place wins");
  });
});

describe("libraryArchitectureCheck", () => {
  it("passes a library built for the process's architecture", () => {
    const result = libraryArchitectureCheck(healthyLibrary(), "x64");
    expect(result).toMatchObject({
      status: "pass",
      detail: "ELF x64 (64-bit x86, amd64), as this process",
    });
  });

  it("names a 32-bit x86 DLL in an x64 process as such", () => {
    const dll = "C:\\Windows\\System32\\wintun.dll";
    const result = libraryArchitectureCheck(
      healthyLibrary({ binary: { format: "PE", machine: 0x14c, arch: "ia32" }, binaryPath: dll }),
      "x64",
    );
    expect(result.status).toBe("fail");
    expect(result.detail).toBe(
      `${dll} is an x86 (32-bit) PE library, but this Node.js process is x64 (64-bit x86, amd64)`,
    );
    expect(result.fix).toContain("bin/amd64");
  });

  it("names an ARM64 DLL in an x64 process as such", () => {
    const result = libraryArchitectureCheck(
      healthyLibrary({ binary: { format: "PE", machine: 0xaa64, arch: "arm64" } }),
      "x64",
    );
    expect(result.status).toBe("fail");
    expect(result.detail).toContain("is an ARM64 PE library");
  });

  it("fails a file that is no library, and cannot check when there is no file", () => {
    expect(
      libraryArchitectureCheck(
        healthyLibrary({ binary: { error: "it is neither an ELF nor a PE file" } }),
        "x64",
      ),
    ).toMatchObject({
      status: "fail",
      detail: "/opt/magma/libwintun.so is not a library: it is neither an ELF nor a PE file",
    });
    expect(libraryArchitectureCheck(healthyLibrary({ binary: undefined }), "x64").status).toBe(
      "unavailable",
    );
  });
});

describe("driverCheck", () => {
  it("passes the running 0.14 driver", () => {
    expect(driverCheck(healthyLibrary())).toMatchObject({
      status: "pass",
      detail: "version 0.14 running",
    });
  });

  it("passes a driver not loaded yet, saying when it loads", () => {
    const result = driverCheck(healthyLibrary({ driver: undefined }));
    expect(result.status).toBe("pass");
    expect(result.detail).toContain("loads with the first adapter");
  });

  it("fails a driver older than 0.14", () => {
    const result = driverCheck(healthyLibrary({ driver: { major: 0, minor: 12 } }));
    expect(result.status).toBe("fail");
    expect(result.detail).toBe("version 0.12 is older than 0.14");
    expect(result.fix).toContain("updates the driver");
  });

  it("fails when the version cannot be read, and is not checked without a library", () => {
    expect(driverCheck(healthyLibrary({ driver: { error: "ERROR_GEN_FAILURE" } })).status).toBe(
      "fail",
    );
    const unloaded = healthyLibrary({
      load: { loaded: false, code: "ERROR_MOD_NOT_FOUND", message: "missing", hint: undefined },
    });
    expect(driverCheck(unloaded).status).toBe("unavailable");
  });
});

describe("tapCheck", () => {
  it("says TAP-Windows is not a Linux driver rather than pretend to check it", () => {
    expect(tapCheck()).toMatchObject({
      status: "unavailable",
      detail: expect.stringContaining("TAP-Windows is a Windows driver"),
    });
  });
});
