import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  isWintunDllArch,
  WINTUN_DLL_PINS,
  WINTUN_VERSION,
  WintunDllError,
  wintunDllPath,
} from "./index.cjs";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));

describe("wintunDllPath", () => {
  it.each([
    ["x64", "amd64"],
    ["arm64", "arm64"],
    ["ia32", "x86"],
    ["arm", "arm"],
  ])("gives the absolute path of the %s DLL, in wintun's %s folder", (arch, folder) => {
    const file = wintunDllPath(arch);
    expect(isAbsolute(file)).toBe(true);
    expect(file).toBe(join(packageRoot, "wintun", "bin", folder, "wintun.dll"));
  });

  it("defaults to this process's architecture", () => {
    if (isWintunDllArch(process.arch)) {
      expect(wintunDllPath()).toBe(wintunDllPath(process.arch));
    } else {
      expect(() => wintunDllPath()).toThrow(WintunDllError);
    }
  });

  it.each(["s390x", "ppc64", "riscv64", "loong64", "mips", "", "X64", "toString"])(
    "refuses %j with a typed UNSUPPORTED_ARCH error",
    (arch) => {
      let thrown: unknown;
      try {
        wintunDllPath(arch);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(WintunDllError);
      const error = thrown as WintunDllError;
      expect(error.name).toBe("WintunDllError");
      expect(error.code).toBe("UNSUPPORTED_ARCH");
      expect(error.message).toContain(JSON.stringify(arch));
      expect(error.message).toContain("x64, arm64, ia32, arm");
      expect(error.hint).toBeTypeOf("string");
    },
  );

  describe("in a copy of the package without its DLLs", () => {
    const copy = mkdtempSync(join(tmpdir(), "magma-wintun-dll-copy-"));
    afterAll(() => rmSync(copy, { recursive: true, force: true }));

    it("throws DLL_MISSING naming the file it looked for", () => {
      cpSync(join(packageRoot, "dist"), join(copy, "dist"), { recursive: true });
      const copied = createRequire(join(copy, "dist", "index.cjs"))("./index.cjs") as {
        wintunDllPath: typeof wintunDllPath;
      };
      expect(() => copied.wintunDllPath("arm64")).toThrow(
        expect.objectContaining({
          name: "WintunDllError",
          code: "DLL_MISSING",
          message: expect.stringContaining(join(copy, "wintun", "bin", "arm64", "wintun.dll")),
        }),
      );
    });
  });
});

describe("the pinned table", () => {
  it("pins wintun 0.14.1 for the four architectures, keyed by process.arch", () => {
    expect(WINTUN_VERSION).toBe("0.14.1");
    expect(Object.keys(WINTUN_DLL_PINS).sort()).toEqual(["arm", "arm64", "ia32", "x64"]);
    for (const [arch, pin] of Object.entries(WINTUN_DLL_PINS)) {
      expect(pin.arch).toBe(arch);
      expect(pin.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(pin.size).toBeGreaterThan(100_000);
    }
  });

  it("cannot be changed at run time", () => {
    expect(Object.isFrozen(WINTUN_DLL_PINS)).toBe(true);
    for (const pin of Object.values(WINTUN_DLL_PINS)) expect(Object.isFrozen(pin)).toBe(true);
  });
});

describe("the built package under plain Node.js", () => {
  const probe = (args: string[]) =>
    execFileSync(process.execPath, args, { cwd: packageRoot, encoding: "utf8" }).trim();

  it("loads with require()", () => {
    const out = probe([
      "-e",
      'const m = require("@magma/wintun-dll"); console.log(m.wintunDllPath("arm64"), m.WINTUN_DLL_PINS.arm64.size)',
    ]);
    expect(out).toBe(`${wintunDllPath("arm64")} ${WINTUN_DLL_PINS.arm64.size}`);
  });

  it("loads with import, named exports included", () => {
    const out = probe([
      "--input-type=module",
      "-e",
      'import { wintunDllPath, WintunDllError } from "@magma/wintun-dll"; try { wintunDllPath("s390x") } catch (e) { console.log(wintunDllPath("ia32"), e instanceof WintunDllError, e.code) }',
    ]);
    expect(out).toBe(`${wintunDllPath("ia32")} true UNSUPPORTED_ARCH`);
  });
});
