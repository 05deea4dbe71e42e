import { inject } from "vitest";

/** The tarball src/pack-packages.ts packed for the package in packages/<dir>. */
export function tarballOf(dir: string): string {
  const tarball = inject("tarballs")[dir];
  if (tarball === undefined) throw new Error(`no tarball was packed for packages/${dir}`);
  return tarball;
}
