import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { libraryPath, PREBUILT_ARCHITECTURES, prebuiltLibraryPath } from "./index.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const library = prebuiltLibraryPath();

const WINTUN_EXPORTS = [
  "WintunCreateAdapter",
  "WintunOpenAdapter",
  "WintunCloseAdapter",
  "WintunDeleteDriver",
  "WintunGetAdapterLUID",
  "WintunGetRunningDriverVersion",
  "WintunSetLogger",
  "WintunStartSession",
  "WintunEndSession",
  "WintunGetReadWaitEvent",
  "WintunReceivePacket",
  "WintunReleaseReceivePacket",
  "WintunAllocateSendPacket",
  "WintunSendPacket",
];
// The test build's hooks: none of them may be reachable in the library users get.
const HOOK_EXPORTS = [
  "WintunEmuSetDefaultFaults",
  "WintunEmuSetSessionFaults",
  "WintunEmuForceEndOfSession",
  "WintunEmuCorruptRing",
  "WintunEmuPauseFromApp",
  "WintunEmuSetAccessDenied",
];
const HOOK_VARIABLES = [
  "WINTUN_EMU_ACCESS_DENIED",
  "WINTUN_EMU_SEED",
  "WINTUN_EMU_TO_APP_LOSS",
  "WINTUN_EMU_FROM_APP_LOSS",
  "WINTUN_EMU_TO_APP_DELAY_MS",
  "WINTUN_EMU_END_SESSION_AFTER",
  "WINTUN_EMU_CORRUPT_TO_APP_AFTER",
  "WINTUN_EMU_PAUSE_FROM_APP",
];

/** Functions and objects the library defines in its dynamic symbol table (what dlsym finds). */
function definedDynamicSymbols(path: string): string[] {
  return execFileSync("readelf", ["--dyn-syms", "-W", path], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 8 && fields[6] !== "UND")
    .map((fields) => (fields[7] as string).replace(/@.*$/, ""));
}

const MACHINES: Record<string, string> = { x64: "Advanced Micro Devices X86-64", arm64: "AArch64" };

it("has this machine's library where the package says, and libraryPath() finds it", () => {
  expect(
    existsSync(library),
    `${library} is missing: build it with pnpm --filter @magma/wintun-linux build`,
  ).toBe(true);
  expect(library).toBe(join(packageDir, "prebuilds", `linux-${process.arch}`, "libwintun.so"));
  expect(libraryPath()).toBe(library);
});

// Every library built so far: this machine's always, the other architecture once cross-built
// (scripts/check-prebuilds.mjs requires both before packing).
for (const arch of PREBUILT_ARCHITECTURES.filter((a) => existsSync(prebuiltLibraryPath(a)))) {
  describe(`prebuilds/linux-${arch}/libwintun.so`, () => {
    const path = prebuiltLibraryPath(arch);

    it(`is a shared object for ${arch}`, () => {
      const header = execFileSync("readelf", ["-h", path], { encoding: "utf8" });
      expect(header).toMatch(/Type:\s+DYN/);
      expect(/Machine:\s+(.*)/.exec(header)?.[1]?.trim()).toBe(MACHINES[arch]);
    });

    it("exports the 14 functions of wintun 0.14 and none of the test hooks", () => {
      const symbols = definedDynamicSymbols(path);
      for (const name of WINTUN_EXPORTS) expect(symbols).toContain(name);
      for (const name of HOOK_EXPORTS) expect(symbols).not.toContain(name);
    });

    it("reads none of the test build's fault or rights variables", () => {
      const text = readFileSync(path).toString("latin1");
      for (const name of HOOK_VARIABLES) expect(text).not.toContain(name);
      // Strict mode stays: it only stops a program at a misuse that would crash on Windows.
      expect(text).toContain("WINTUN_EMU_STRICT");
    });

    it("is stripped: no static symbol table, no debug sections", () => {
      const sections = execFileSync("readelf", ["-SW", path], { encoding: "utf8" });
      expect(sections).toContain(".dynsym");
      expect(sections).not.toMatch(/\.symtab|\.debug_/);
    });
  });
}

describe("the layout", () => {
  const platform = Object.getOwnPropertyDescriptor(process, "platform")!;
  afterEach(() => {
    Object.defineProperty(process, "platform", platform);
  });

  it("keeps one library per architecture under prebuilds/linux-<arch>", () => {
    expect(PREBUILT_ARCHITECTURES).toEqual(["x64", "arm64"]);
    expect(prebuiltLibraryPath("arm64")).toBe(
      join(packageDir, "prebuilds", "linux-arm64", "libwintun.so"),
    );
  });

  it("offers no library on another platform", () => {
    Object.defineProperty(process, "platform", { ...platform, value: "win32" });
    expect(libraryPath()).toBeUndefined();
  });
});
