// Run in a package folder after tsup. For every entry of the package's tsup.config.mjs, writes
// dist/<entry>.js, an ES module that re-exports the CommonJS build dist/<entry>.cjs, and, when tsup
// wrote types for the entry, dist/<entry>.d.ts, which re-exports them (dual-package.mjs says why
// the code ships once). It runs after tsup rather than in tsup's onSuccess because tsup's
// declaration build removes every .d.ts in dist when it starts, which races with onSuccess.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const packageDir = process.cwd();
const config = (await import(pathToFileURL(join(packageDir, "tsup.config.mjs")).href)).default;
const requireFromPackage = createRequire(join(packageDir, "package.json"));

/** Names an ES module can re-export: identifiers, not the interop marker CommonJS bundles carry. */
function exportableNames(moduleExports) {
  return Object.keys(moduleExports)
    .filter((name) => name !== "__esModule" && name !== "default")
    .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name))
    .sort();
}

function esmEntrySource(entryName, names) {
  const lines = [
    `// The ES module entry: re-exports ./${entryName}.cjs, the package's one copy of its code, so`,
    "// that import and require() share every class and every piece of state.",
    `import commonJs from "./${entryName}.cjs";`,
    "",
  ];
  // One name per line keeps each export findable with grep and each line short.
  if (names.length > 0) lines.push(`export const {\n  ${names.join(",\n  ")},\n} = commonJs;`);
  return `${lines.join("\n")}\n`;
}

const programs = new Set(config.programs ?? []);
for (const entryName of Object.keys(config.entry)) {
  if (programs.has(entryName)) continue;
  const names = exportableNames(requireFromPackage(join(packageDir, "dist", `${entryName}.cjs`)));
  if (names.length === 0) {
    throw new Error(`dist/${entryName}.cjs exports nothing: is the tsup build complete?`);
  }
  await writeFile(join(packageDir, "dist", `${entryName}.js`), esmEntrySource(entryName, names));
  if (existsSync(join(packageDir, "dist", `${entryName}.d.cts`))) {
    await writeFile(
      join(packageDir, "dist", `${entryName}.d.ts`),
      `export * from "./${entryName}.cjs";\n`,
    );
  }
}
