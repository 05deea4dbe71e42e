import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly license?: string;
  readonly engines?: { readonly node?: string };
  readonly repository?: {
    readonly type?: string;
    readonly url?: string;
    readonly directory?: string;
  };
  readonly files?: readonly string[];
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

export function readManifest(path: string): PackageManifest {
  return JSON.parse(readFileSync(path, "utf8")) as PackageManifest;
}

/** The folders under packages/ whose package.json is not private: what npm users install. */
export const publishedPackageDirs: readonly string[] = readdirSync(join(workspaceRoot, "packages"))
  .filter((dir) => existsSync(join(workspaceRoot, "packages", dir, "package.json")))
  .filter(
    (dir) => readManifest(join(workspaceRoot, "packages", dir, "package.json")).private !== true,
  )
  .sort();

/**
 * The published packages built by the shared dual build (a tsup.config.mjs calling dualPackage()):
 * CommonJS code behind an ES module entry. The others ship one format that both import and
 * require() load (CommonJS, which an ES module can import).
 */
export const dualPackageDirs: readonly string[] = publishedPackageDirs.filter((dir) =>
  existsSync(join(workspaceRoot, "packages", dir, "tsup.config.mjs")),
);

export function packageManifest(dir: string): PackageManifest {
  return readManifest(join(workspaceRoot, "packages", dir, "package.json"));
}

/**
 * The programs a package's dual build bundles beside its entry (dual-package.mjs's `programs`, such
 * as the program of wintun-native's port workers): shipped as dist/<name>.cjs with its map.
 */
export async function dualBuildPrograms(dir: string): Promise<readonly string[]> {
  const configUrl = pathToFileURL(join(workspaceRoot, "packages", dir, "tsup.config.mjs")).href;
  const config = (await import(configUrl)) as { default: { programs?: readonly string[] } };
  return config.default.programs ?? [];
}
