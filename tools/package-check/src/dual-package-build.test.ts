// The shared dual build (dual-package.mjs and write-esm-entries.mjs), run on a fixture that reads
// its own location through import.meta: the CommonJS bundle must give the same answers an ES
// module would, wherever it is installed, even under a folder a bare "file:" + path would break.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const fixture = join(import.meta.dirname, "..", "fixtures", "file-location");
const tsupBin = join(
  dirname(createRequire(import.meta.url).resolve("tsup/package.json")),
  "dist",
  "cli-default.js",
);

let installed: string;

beforeAll(() => {
  for (const [command, args] of [
    [process.execPath, [tsupBin]],
    [process.execPath, [join(import.meta.dirname, "..", "write-esm-entries.mjs")]],
  ] as const) {
    const run = spawnSync(command, args, { cwd: fixture, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`${args.join(" ")} failed:\n${run.stdout}${run.stderr}`);
  }
  // Installed elsewhere, as npm would, under a folder whose name a file URL must escape.
  installed = join(mkdtempSync(join(tmpdir(), "magma dual build #")), "dist");
  mkdirSync(installed);
  for (const file of ["index.cjs", "index.js"]) {
    copyFileSync(join(fixture, "dist", file), join(installed, file));
  }
  writeFileSync(join(installed, "package.json"), JSON.stringify({ type: "module" }));
});

afterAll(() => {
  if (installed !== undefined) rmSync(dirname(installed), { recursive: true, force: true });
});

describe("the CommonJS build of a module that reads import.meta", () => {
  it("gives import.meta.url as the bundle's own file URL, escaped", () => {
    const bundle = join(installed, "index.cjs");
    const built = createRequire(import.meta.url)(bundle) as Record<string, string>;
    expect(built.moduleUrl).toBe(pathToFileURL(bundle).href);
    expect(built.moduleUrl).toContain("%20%23");
    expect(built.besideModule).toBe(pathToFileURL(join(installed, "beside.txt")).href);
  });

  it("gives import.meta.filename and import.meta.dirname as the bundle's path and folder", () => {
    const bundle = join(installed, "index.cjs");
    const built = createRequire(import.meta.url)(bundle) as Record<string, string>;
    expect(built.moduleFilename).toBe(bundle);
    expect(built.moduleDirname).toBe(installed);
  });

  it("is what the ES module entry re-exports, name for name", () => {
    // In a child Node.js: vitest's own module loader is not what users run.
    const compare = [
      'import { createRequire } from "node:module";',
      `const esm = await import(${JSON.stringify(pathToFileURL(join(installed, "index.js")).href)});`,
      `const cjs = createRequire(import.meta.url)(${JSON.stringify(join(installed, "index.cjs"))});`,
      "const names = Object.keys(esm).sort();",
      "console.log(JSON.stringify({ names, same: names.every((n) => esm[n] === cjs[n]) }));",
    ].join("\n");
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", compare], {
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({
      names: ["besideModule", "moduleDirname", "moduleFilename", "moduleUrl"],
      same: true,
    });
  });
});
