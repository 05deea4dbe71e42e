import { run } from "./network-test.js";

/** One line of `ip -o link show`: what a person looking for the adapter sees. */
export interface LinkLine {
  readonly index: number;
  readonly name: string;
  /** The alias, where the emulator keeps the Wintun name; "" when there is none. */
  readonly alias: string;
}

/** Every interface of this namespace, as `ip -o link show` lists them. */
export function listLinks(): LinkLine[] {
  return run("ip", ["-o", "link", "show"])
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => {
      const [, index = "0", name = ""] = /^(\d+): ([^:@]+)/.exec(line) ?? [];
      const alias = /\\ {4}alias (.*)$/.exec(line)?.[1] ?? "";
      return { index: Number(index), name, alias };
    });
}

/**
 * The interfaces whose alias is `name` or a renamed copy of it ("<name> 1", "<name> 2": what
 * wintun makes of a second adapter of the same name), ignoring case as wintun does.
 */
export function adapterLinksNamed(name: string): LinkLine[] {
  const wanted = name.toUpperCase();
  return listLinks().filter((link) => {
    const alias = link.alias.toUpperCase();
    return alias === wanted || new RegExp(`^${escapeRegExp(wanted)} \\d+$`).test(alias);
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
