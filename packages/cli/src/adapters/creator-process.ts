import { readdir, readFile, readlink } from "node:fs/promises";
import { basename } from "node:path";
import { creatorMarkInode } from "./linux-adapters.js";

/** The process that created an adapter: its pid and command line. */
export interface CreatorProcess {
  readonly pid: number;
  readonly argv: readonly string[];
}

/**
 * The process holding the creator mark of interface `interfaceIndex`: the one whose file
 * descriptors include the mark's socket. Undefined when it cannot be found (the mark is gone, or
 * the process is another user's and this one may not look).
 */
export async function findCreatorProcess(
  interfaceIndex: number,
): Promise<CreatorProcess | undefined> {
  const inode = creatorMarkInode(await readFile("/proc/net/unix", "utf8"), interfaceIndex);
  if (inode === undefined) return undefined;
  const target = `socket:[${inode}]`;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const descriptors = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const descriptor of descriptors) {
      const link = await readlink(`/proc/${entry}/fd/${descriptor}`).catch(() => "");
      if (link === target) {
        const cmdline = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
        return { pid: Number(entry), argv: cmdline.split("\0").filter((arg) => arg !== "") };
      }
    }
  }
  return undefined;
}

/** Whether a command line is `magma create …` (through node, npx's shim or the bin file). */
export function isMagmaCreate(argv: readonly string[]): boolean {
  const script = argv.findIndex((arg) => ["magma", "magma.cjs"].includes(basename(arg)));
  return script >= 0 && argv[script + 1] === "create";
}
