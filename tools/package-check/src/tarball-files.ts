import { spawnSync } from "node:child_process";
import type { PackageManifest } from "./published-packages.js";

/** The paths inside a packed tarball, without npm's leading "package/". */
export function tarballFiles(tarball: string): string[] {
  const listed = spawnSync("tar", ["-tzf", tarball], { encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`tar cannot list ${tarball}: ${listed.stderr}`);
  return listed.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.replace(/^package\//, ""))
    .sort();
}

/** The text of one file of a packed tarball, named without npm's leading "package/". */
export function tarballText(tarball: string, file: string): string {
  const read = spawnSync("tar", ["-xzOf", tarball, `package/${file}`], { encoding: "utf8" });
  if (read.status !== 0) throw new Error(`tar cannot read ${file} in ${tarball}: ${read.stderr}`);
  return read.stdout;
}

/** The package.json inside a packed tarball: what npm users' installs read. */
export function tarballManifest(tarball: string): PackageManifest {
  return JSON.parse(tarballText(tarball, "package.json")) as PackageManifest;
}

/**
 * What a tarball must not carry: tests and their support, sources, examples, build trees and the
 * workspace's own configuration. Each entry names the rule a failure message shows.
 */
export const forbiddenFiles: readonly { readonly rule: string; readonly pattern: RegExp }[] = [
  { rule: "a test file", pattern: /\.test\.|\.spec\./ },
  { rule: "test support", pattern: /(^|\/)(test-support|fixtures|__tests__|tests?)\// },
  { rule: "TypeScript sources", pattern: /^src\// },
  { rule: "an example", pattern: /^examples\// },
  // The one script that ships: wintun-native's install step, which npm runs on install.
  { rule: "a script", pattern: /^scripts\/(?!install\.mjs$)/ },
  { rule: "a test report", pattern: /(^|\/)test-results\// },
  { rule: "a dependency folder", pattern: /(^|\/)node_modules\// },
  { rule: "a turbo cache", pattern: /(^|\/)\.turbo\// },
  { rule: "build configuration", pattern: /^(tsconfig.*|vitest\.config\..*|tsup\.config\..*)$/ },
  {
    // The addon ships as prebuilds/; a local build (build/) never does.
    rule: "a build tree",
    pattern: /^build\//,
  },
];

/** Each forbidden file with the first rule it breaks: "src/index.ts (TypeScript sources)". */
export function forbiddenIn(files: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    const broken = forbiddenFiles.find(({ pattern }) => pattern.test(file));
    if (broken !== undefined) found.push(`${file} (${broken.rule})`);
  }
  return found;
}
