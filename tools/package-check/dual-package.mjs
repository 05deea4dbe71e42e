// The build every published package shares: each package's tsup.config.mjs calls dualPackage(),
// and its build script runs write-esm-entries.mjs after tsup.
//
// One copy of the code, in CommonJS: tsup bundles src/<entry>.ts into dist/<entry>.cjs with its
// types in dist/<entry>.d.cts. dist/<entry>.js is a small ES module that imports that CommonJS
// file and re-exports its names, and dist/<entry>.d.ts re-exports its types. So `import` and
// `require()` of a package load the same module instance: one MagmaError class, one WinTunError
// class, one adapter name lock, whichever way each caller loaded it (no dual-package hazard). The
// CommonJS side is chosen as the one copy because Node 20 can import CommonJS from an ES module
// everywhere, while require() of an ES module needs 20.19 or later.
import { fileURLToPath } from "node:url";

const importMetaUrlShim = fileURLToPath(new URL("./cjs-import-meta-url.mjs", import.meta.url));

/**
 * tsup options for a package whose sources are under src/. `entries` maps an output name to its
 * source: { index: "src/index.ts" }; `index` is the package's entry. `programs` are bundled the same
 * way but are scripts to run (a worker thread's program), not modules to import: they get no ES
 * module entry, as loading one to read its exports would run it.
 */
export function dualPackage(entries, programs = {}) {
  const options = {
    entry: { ...entries, ...programs },
    format: ["cjs"],
    outDir: "dist",
    tsconfig: "tsconfig.build.json",
    platform: "node",
    target: "node20",
    // Types for the package's entry only: another entry (a test's way in) needs none, and typing
    // two entries would split their shared declarations into a hashed chunk.
    dts: { entry: { index: entries.index } },
    sourcemap: true,
    clean: true,
    // One self-contained file per entry: no shared chunks to ship or to leave out.
    splitting: false,
    inject: [importMetaUrlShim],
    esbuildOptions(options) {
      // CommonJS has no import.meta: each of its file-location fields becomes what CommonJS has.
      options.define = {
        ...options.define,
        "import.meta.url": "importMetaUrl",
        "import.meta.filename": "__filename",
        "import.meta.dirname": "__dirname",
      };
    },
  };
  // Not an option of tsup's: write-esm-entries.mjs reads it.
  Object.defineProperty(options, "programs", { value: Object.keys(programs), enumerable: false });
  return options;
}
