import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Hex } from "./fetch-wintun-dlls.mjs";
import { readTarEntries } from "./tar-entries.mjs";
import { WINTUN_DLL_PINS } from "./wintun-dll-pins.cjs";

const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const pins = Object.values(WINTUN_DLL_PINS);

describe("the packed tarball (pnpm pack)", () => {
  const destination = mkdtempSync(join(tmpdir(), "magma-wintun-dll-pack-"));
  let tarball: Buffer;
  let names: string[];

  beforeAll(() => {
    execFileSync("pnpm", ["pack", "--pack-destination", destination], {
      cwd: packageRoot,
      stdio: "pipe",
    });
    const [file] = readdirSync(destination).filter((name) => name.endsWith(".tgz"));
    tarball = readFileSync(join(destination, file!));
    names = execFileSync("tar", ["-tzf", join(destination, file!)], { encoding: "utf8" })
      .split("\n")
      .filter((name) => name !== "");
  }, 120_000);
  afterAll(() => rmSync(destination, { recursive: true, force: true }));

  it("contains wintun's licence, byte for byte, beside the DLLs", () => {
    expect(names).toContain("package/wintun/LICENSE.txt");
    const entries = readTarEntries(gunzipSync(tarball), new Set(["package/wintun/LICENSE.txt"]));
    expect(entries.get("package/wintun/LICENSE.txt")).toEqual(
      readFileSync(join(packageRoot, "wintun", "LICENSE.txt")),
    );
  });

  it("contains the four DLLs, each matching its pin", () => {
    const wanted = new Set(pins.map((pin) => `package/wintun/bin/${pin.wintunArch}/wintun.dll`));
    const entries = readTarEntries(gunzipSync(tarball), wanted);
    for (const pin of pins) {
      const bytes = entries.get(`package/wintun/bin/${pin.wintunArch}/wintun.dll`);
      expect(bytes?.length).toBe(pin.size);
      expect(sha256Hex(bytes ?? new Uint8Array())).toBe(pin.sha256);
    }
  });

  it("contains the package's own licence, README, code and types", () => {
    for (const name of [
      "LICENSE",
      "README.md",
      "package.json",
      "dist/index.cjs",
      "dist/index.d.cts",
    ]) {
      expect(names).toContain(`package/${name}`);
    }
  });

  it("leaves out sources, tests, the build-time fetch step and scratch files", () => {
    const unwanted = names.filter(
      (name) =>
        name.startsWith("package/src/") ||
        /\.test\./.test(name) ||
        /fetch-wintun-dlls|tar-entries/.test(name) ||
        name.endsWith(".partial") ||
        /tsconfig|vitest|turbo\.json|\.gitignore/.test(name),
    );
    expect(unwanted).toEqual([]);
  });
});
