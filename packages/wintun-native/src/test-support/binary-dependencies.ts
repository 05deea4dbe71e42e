import { execFileSync } from "node:child_process";

/** Node.js 20 runs on glibc 2.28 and later; so must every Linux binary the package ships. */
export const GLIBC_FLOOR = [2, 28] as const;

/** What `objdump -T` (dynamic symbols) says about a binary's dependencies on system libraries. */
export interface DynamicDependencies {
  /** Every symbol version it requires, e.g. "GLIBC_2.17", "GLIBCXX_3.4.30". */
  readonly versions: ReadonlySet<string>;
  /** The symbols it defines and exports. */
  readonly exported: readonly string[];
}

/** Reads `objdump -T` output: version requirements and exported symbols. */
export function parseDynamicSymbols(objdump: string): DynamicDependencies {
  const versions = new Set<string>();
  const exported: string[] = [];
  for (const line of objdump.split("\n")) {
    // <address> <7 flag characters> <section> <size> [<version>] <name>, e.g.
    // 0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.34) pthread_create
    const match = /^[0-9a-f]+ (.{7}) (\S+)\s+[0-9a-f]+\s+(.*)$/.exec(line);
    if (match === null) continue;
    const [, flags = "", section, rest = ""] = match;
    const fields = rest.trim().split(/\s+/);
    const name = fields.at(-1);
    const version = fields.length > 1 ? fields[0]?.replace(/[()]/g, "") : undefined;
    if (version !== undefined && version !== "Base") versions.add(version);
    const global = flags[0] === "g" || flags[0] === "u" || flags[1] === "w";
    if (section !== "*UND*" && global && name !== undefined) exported.push(name);
  }
  return { versions, exported };
}

/** The version requirements a binary loadable on glibc 2.28 without a C++ runtime must not have. */
export function floorViolations(versions: ReadonlySet<string>): string[] {
  const violations: string[] = [];
  for (const version of versions) {
    const glibc = /^GLIBC_(\d+)\.(\d+)/.exec(version);
    if (glibc !== null) {
      const major = Number(glibc[1]);
      const minor = Number(glibc[2]);
      if (major > GLIBC_FLOOR[0] || (major === GLIBC_FLOOR[0] && minor > GLIBC_FLOOR[1])) {
        violations.push(version);
      }
    } else if (/^(GLIBCXX|CXXABI)_/.test(version)) {
      violations.push(version);
    }
  }
  return violations.sort();
}

export function objdump(args: readonly string[], path: string): string {
  return execFileSync("objdump", [...args, path], { encoding: "utf8", maxBuffer: 64 << 20 });
}

/** True when `objdump -t` finds no symbol table (a stripped ELF or PE file). */
export function isStripped(path: string): boolean {
  return /SYMBOL TABLE:\s*\nno symbols/.test(objdump(["-t"], path));
}
