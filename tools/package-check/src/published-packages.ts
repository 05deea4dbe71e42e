import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const workspaceRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The folders under packages/ whose package.json is not private: what npm users install. */
export const publishedPackageDirs = [
  "transport",
  "memory-pool",
  "packets",
  "wintun-native",
  "tcp-receiver",
] as const;
export type PublishedPackageDir = (typeof publishedPackageDirs)[number];

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

export function packageManifest(dir: PublishedPackageDir): PackageManifest {
  return readManifest(join(workspaceRoot, "packages", dir, "package.json"));
}
