import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OptionError } from "@magma/transport";
import { afterAll, describe, expect, it } from "vitest";
import { describeNetwork } from "./test-support/network-test.js";
import { WinTunError } from "./wintun-error.js";
import { WinTunLibrary } from "./wintun-library.js";

const scratch = mkdtempSync(join(tmpdir(), "magma-wintun-library-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function loadError(path: string): WinTunError {
  try {
    WinTunLibrary.load(path);
  } catch (error) {
    if (error instanceof WinTunError) return error;
    throw error;
  }
  throw new Error(`loading ${path} succeeded`);
}

describe("WinTunLibrary.load", () => {
  it("reports a missing library as ERROR_MOD_NOT_FOUND, naming where it looked and what to do", () => {
    const path = join(scratch, "missing", "libwintun.so");
    const error = loadError(path);
    expect(error.code).toBe(126);
    expect(error.symbol).toBe("ERROR_MOD_NOT_FOUND");
    expect(error.call).toBe("dlopen");
    expect(error.message).toContain(path);
    expect(error.hint).toMatch(/MAGMA_WINTUN_LIBRARY/);
  });

  it("reports a file that is not a library for this machine as ERROR_BAD_EXE_FORMAT", () => {
    const path = join(scratch, "not-elf.so");
    writeFileSync(path, "this is text, not a shared object\n".repeat(100));
    const error = loadError(path);
    expect(error.code).toBe(193);
    expect(error.hint).toMatch(/architecture/);
  });

  it("refuses a library without the 14 wintun 0.14 exports, naming the missing ones", () => {
    const path = join(scratch, "libwintun-old.so");
    execFileSync("cc", ["-shared", "-fPIC", "-o", path, "-x", "c", "-"], {
      input:
        "int WintunCreateAdapter(void) { return 0; }\nint WintunFreeAdapter(void) { return 0; }\n",
    });
    const error = loadError(path);
    expect(error.code).toBe(127);
    expect(error.symbol).toBe("ERROR_PROC_NOT_FOUND");
    expect(error.message).toContain("WintunCloseAdapter");
    expect(error.message).not.toContain("WintunCreateAdapter,");
    expect(error.hint).toMatch(/0\.14/);
  });
});

describe("WinTunLibrary argument checks", () => {
  it("refuses a path that is not a string", () => {
    for (const path of [42, null, {}, ["a"]]) {
      expect(() => WinTunLibrary.load(path as never)).toThrow(OptionError);
    }
  });

  it("refuses a logger that is neither a function nor console-like", () => {
    const library = WinTunLibrary.load();
    for (const logger of [42, "console", null, {}, { info() {}, warn() {} }]) {
      let caught: unknown;
      try {
        library.setLogger(logger as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(OptionError);
      expect(caught).toMatchObject({ where: "library.setLogger", option: "logger", value: logger });
    }
    expect(() => library.setLogger(undefined)).not.toThrow();
  });
});

describeNetwork("WinTunLibrary with the emulator", () => {
  it("loads the default library (MAGMA_WINTUN_LIBRARY in test runs) once per path", () => {
    const library = WinTunLibrary.load();
    expect(library.path).toMatch(/libwintun\.so$/);
    expect(WinTunLibrary.load()).toBe(library);
  });

  it("reports no running driver while no adapter exists", () => {
    expect(WinTunLibrary.load().runningDriverVersion()).toBeUndefined();
  });
});
