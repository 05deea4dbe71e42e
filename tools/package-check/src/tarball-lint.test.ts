import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { publishedPackageDirs } from "./published-packages.js";
import { attwProblems, publintFindings, publintTarball } from "./tarball-lint.js";
import { tarballOf } from "./tarballs.js";

describe.each(publishedPackageDirs)("the packed %s", (dir) => {
  const tarball = tarballOf(dir);

  it("has no publint finding, suggestions included", async () => {
    expect(await publintTarball(tarball)).toEqual([]);
  });

  it("has types that resolve for require and import under every resolution (attw)", () => {
    expect(attwProblems(tarball)).toEqual([]);
  });
});

// The checks above pass only if the linters find nothing; these show that they do find what they
// are there to find, run the way the checks run them.
describe("the linters, on a package with wrong exports", () => {
  const packageDir = mkdtempSync(join(tmpdir(), "magma-wrong-exports-"));
  afterAll(() => rmSync(packageDir, { recursive: true, force: true }));
  const manifest = {
    name: "wrong-exports",
    version: "1.0.0",
    type: "module",
    // require() gets an ES module's types: what attw calls masquerading as ESM ("FalseESM").
    exports: { ".": { types: "./index.d.ts", import: "./index.js", require: "./index.cjs" } },
    files: ["index.js", "index.cjs", "index.d.ts"],
  };
  writeFileSync(join(packageDir, "package.json"), JSON.stringify(manifest));
  writeFileSync(join(packageDir, "index.js"), "export const answer = 42;\n");
  writeFileSync(join(packageDir, "index.cjs"), "exports.answer = 42;\n");
  writeFileSync(join(packageDir, "index.d.ts"), "export declare const answer: number;\n");

  it("attw reports the CommonJS resolution's ES module types", () => {
    expect(attwProblems(packageDir, ["--pack"])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^FalseESM .*index\.cjs/)]),
    );
  });

  it("publint reports an exported file the package does not carry", async () => {
    const missing = { ...manifest, exports: { ".": "./missing.js" } };
    const findings = await publintFindings(
      {
        files: [{ name: "package/package.json", data: JSON.stringify(missing) }],
      },
      "package",
    );
    expect(findings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^error: .*missing\.js/)]),
    );
  });
});
