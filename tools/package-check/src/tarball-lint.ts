import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { type Options, publint } from "publint";
import { formatMessage } from "publint/utils";

/** publint's findings for a package, suggestions included, warnings counted as errors. */
export async function publintFindings(
  pack: NonNullable<Options["pack"]>,
  pkgDir?: string,
): Promise<string[]> {
  const { messages, pkg } = await publint({
    pack,
    level: "suggestion",
    strict: true,
    ...(pkgDir === undefined ? {} : { pkgDir }),
  });
  return messages.map(
    (message) =>
      `${message.type}: ${formatMessage(message, pkg, { color: false }) ?? message.code}`,
  );
}

export async function publintTarball(tarball: string): Promise<string[]> {
  const bytes = readFileSync(tarball);
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return publintFindings({ tarball: copy as ArrayBuffer });
}

const attwBin = join(
  dirname(createRequire(import.meta.url).resolve("@arethetypeswrong/cli/package.json")),
  "dist",
  "index.js",
);

/**
 * @arethetypeswrong/cli's problems for a tarball (or, with `--pack`, a package folder), under its
 * strict profile: every entry point resolved as node10, node16 from CommonJS, node16 from ESM and
 * bundler. Each problem reads as its kind followed by attw's details of it (which fields depend on
 * the kind: an entry point and resolution, or the types and implementation files).
 */
export function attwProblems(target: string, extraArgs: readonly string[] = []): string[] {
  const run = spawnSync(
    process.execPath,
    [attwBin, target, ...extraArgs, "--format", "json", "--no-definitely-typed"],
    { encoding: "utf8" },
  );
  let report: { problems?: unknown };
  try {
    report = JSON.parse(run.stdout) as { problems?: unknown };
  } catch {
    throw new Error(`attw printed no report for ${target}:\n${run.stdout}${run.stderr}`);
  }
  const problems = (report.problems ?? {}) as Record<string, readonly unknown[]>;
  return Object.entries(problems).flatMap(([kind, list]) =>
    list.map((problem) => `${kind} ${JSON.stringify(problem)}`),
  );
}
