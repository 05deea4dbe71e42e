import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Win32Error, win32ErrorName } from "./win32-error-names.js";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const emulatorSources = fileURLToPath(new URL("../../../tools/wintun-emu/src", import.meta.url));
const nativeSources = join(packageDir, "native/src");
const consumerHeader = join(packageDir, "native/include/wintun_api.h");

function sourcesIn(directory: string): { path: string; text: string }[] {
  return readdirSync(directory, { recursive: true, encoding: "utf8" })
    .filter((name) => /\.(cc|h)$/.test(name))
    .map((name) => ({ path: name, text: readFileSync(join(directory, name), "utf8") }));
}

function parseNumber(literal: string): number {
  return Number.parseInt(literal, literal.startsWith("0x") ? 16 : 10);
}

/** `#define WINTUN_ERROR_ACCESS_DENIED 5u` in the header both the addon and the emulator include. */
function consumerHeaderCodes(): Map<string, number> {
  const codes = new Map<string, number>();
  for (const match of readFileSync(consumerHeader, "utf8").matchAll(
    /#define WINTUN_ERROR_(\w+) (\d+)u/g,
  )) {
    codes.set(`ERROR_${match[1]}`, Number(match[2]));
  }
  return codes;
}

/** `kInvalidHandle` or `kErrorInvalidHandle` stands for ERROR_INVALID_HANDLE. */
function symbolOf(constant: string): string {
  const words = constant.replace(/^k(Error)?/, "").replace(/([a-z0-9])([A-Z])/g, "$1_$2");
  return `ERROR_${words.toUpperCase()}`;
}

/** `constexpr uint32_t kErrorInvalidHandle = 6;`: each constant with its symbol and code. */
function codeConstants(
  sources: readonly { text: string }[],
  pattern: RegExp,
): Map<string, { symbol: string; code: number }> {
  const constants = new Map<string, { symbol: string; code: number }>();
  for (const { text } of sources) {
    for (const match of text.matchAll(pattern)) {
      const name = match[1] ?? "";
      constants.set(name, { symbol: symbolOf(name), code: parseNumber(match[2] ?? "") });
    }
  }
  return constants;
}

function emulatorConstants(): Map<string, { symbol: string; code: number }> {
  return codeConstants(
    sourcesIn(emulatorSources),
    /constexpr uint32_t (kError\w+) = (0x[0-9A-Fa-f]+|\d+)u?;/g,
  );
}

describe("win32ErrorName", () => {
  it("names each code the consumer header defines, as winerror.h spells it", () => {
    const codes = consumerHeaderCodes();
    expect(codes.size).toBeGreaterThan(10);
    for (const [symbol, code] of codes) expect(win32ErrorName(code), symbol).toBe(symbol);
  });

  it("names each code constant of the emulator, as winerror.h or setupapi.h spells it", () => {
    const constants = emulatorConstants();
    expect(constants.get("kErrorInvalidHandle")).toEqual({
      symbol: "ERROR_INVALID_HANDLE",
      code: 6,
    });
    for (const { symbol, code } of constants.values()) expect(win32ErrorName(code)).toBe(symbol);
  });

  it("names every code the emulator and the addon's native code can set", () => {
    const header = consumerHeaderCodes();
    const constants = emulatorConstants();
    const sources = [...sourcesIn(emulatorSources), ...sourcesIn(nativeSources)];
    let seen = 0;
    for (const { path, text } of sources) {
      for (const match of text.matchAll(/\bWINTUN_ERROR_(\w+)/g)) {
        const code = header.get(`ERROR_${match[1]}`);
        expect(code, `${path}: ${match[0]} is not in wintun_api.h`).toBeDefined();
        expect(win32ErrorName(code ?? -1)).toBe(`ERROR_${match[1]}`);
        seen++;
      }
      for (const match of text.matchAll(/\bkError\w+/g)) {
        expect(constants.has(match[0]), `${path}: ${match[0]} is not a named constant`).toBe(true);
      }
      // A code written as a bare number where the last error is set bypasses both lists above.
      for (const match of text.matchAll(/\b(?:setLastError|failWith)\(\s*(0x[0-9A-Fa-f]+|\d+)/g)) {
        const code = parseNumber(match[1] ?? "");
        expect(win32ErrorName(code), `${path}: ${match[0]}`).not.toMatch(/^WIN32_ERROR_/);
      }
    }
    expect(seen).toBeGreaterThan(20);
  });

  it("names each code constant of the addon's native files that report a Win32 code", () => {
    // Those files set `win32_code`, which reaches JavaScript as a WinTunError.
    const reporting = sourcesIn(nativeSources).filter(({ text }) => /\bwin32_code\b/.test(text));
    const constants = codeConstants(
      reporting,
      /constexpr uint32_t (k\w+) = (0x[0-9A-Fa-f]+|\d+)u?;/g,
    );
    for (const [name, { symbol, code }] of constants) {
      expect(win32ErrorName(code), `${name} = ${code}`).toBe(symbol);
    }
  });

  it("agrees with the emulator header where its comments give a code", () => {
    const header = readFileSync(
      fileURLToPath(new URL("../../../tools/wintun-emu/include/wintun_emu.h", import.meta.url)),
      "utf8",
    );
    const mentions = [...header.matchAll(/\b((?:ERROR|WAIT)_[A-Z_]+) \((\d+)\)/g)];
    expect(mentions.length).toBeGreaterThan(3);
    for (const match of mentions) expect(win32ErrorName(Number(match[2]))).toBe(match[1]);
  });

  it("names the codes wintun.dll itself and Windows' loader report beyond those", () => {
    expect(win32ErrorName(6)).toBe("ERROR_INVALID_HANDLE");
    expect(win32ErrorName(31)).toBe("ERROR_GEN_FAILURE");
    expect(win32ErrorName(258)).toBe("WAIT_TIMEOUT");
    expect(win32ErrorName(1114)).toBe("ERROR_DLL_INIT_FAILED");
    expect(win32ErrorName(4319)).toBe("ERROR_DEVICE_NOT_AVAILABLE");
    expect(win32ErrorName(0xe000023d)).toBe("ERROR_INF_IN_USE_BY_DEVICES");
  });

  it("reads WIN32_ERROR_<n> for a code it has no name for", () => {
    expect(win32ErrorName(4242)).toBe("WIN32_ERROR_4242");
    expect(win32ErrorName(0x80004005)).toBe("WIN32_ERROR_2147500037");
  });
});

describe("Win32Error", () => {
  it("holds each constant under its winerror.h name", () => {
    for (const [key, code] of Object.entries(Win32Error)) {
      expect(win32ErrorName(code)).toBe(key.startsWith("WAIT_") ? key : `ERROR_${key}`);
    }
  });
});
