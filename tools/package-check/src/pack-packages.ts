// vitest global setup: packs every published package with `pnpm pack` (which turns workspace:
// ranges into the versions npm users get) into one temporary folder, shared by every test file
// through `inject("tarballs")`, and removes it afterwards.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { publishedPackageDirs, workspaceRoot } from "./published-packages.js";

/** Each published package folder's tarball, by folder name under packages/. */
export type Tarballs = Record<string, string>;

declare module "vitest" {
  export interface ProvidedContext {
    tarballs: Tarballs;
  }
}

export default function packPackages(project: TestProject): () => void {
  const packDir = mkdtempSync(join(tmpdir(), "magma-packs-"));
  const tarballs: Tarballs = {};
  for (const dir of publishedPackageDirs) {
    const destination = join(packDir, dir);
    const packed = spawnSync("pnpm", ["pack", "--pack-destination", destination], {
      cwd: join(workspaceRoot, "packages", dir),
      encoding: "utf8",
    });
    if (packed.status !== 0) {
      throw new Error(`pnpm pack failed in packages/${dir}:\n${packed.stdout}${packed.stderr}`);
    }
    const [tarball] = readdirSync(destination).filter((name) => name.endsWith(".tgz"));
    if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball for packages/${dir}`);
    tarballs[dir] = join(destination, tarball);
  }
  project.provide("tarballs", tarballs);
  return () => rmSync(packDir, { recursive: true, force: true });
}
