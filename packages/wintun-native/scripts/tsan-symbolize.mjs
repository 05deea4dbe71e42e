// Names the frames of ThreadSanitizer reports that gcc's libtsan leaves as `<null> <null>
// (magma_wintun.node+0x2247e)`. Its built-in symbolizer reads the modules present when it first
// runs, which is before the tests load the addon and the emulator; addr2line reads their debug
// information instead (both are built RelWithDebInfo). Only the addon and the emulator are looked
// up, found by the paths the run loads them from (MAGMA_WINTUN_ADDON, MAGMA_WINTUN_LIBRARY).
//
//   node scripts/tsan-symbolize.mjs < report        (or import { symbolizeReport })
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

const unnamedFrame = /<null> <null> \(([^()+\s]+)\+(0x[0-9a-f]+)\)/g;

function ownModules() {
  const modules = new Map();
  for (const path of [process.env.MAGMA_WINTUN_ADDON, process.env.MAGMA_WINTUN_LIBRARY]) {
    if (path !== undefined && path !== "") modules.set(basename(path), path);
  }
  return modules;
}

/** `report` with each unnamed frame of the addon or the emulator given its function and line. */
export function symbolizeReport(report) {
  const modules = ownModules();
  const offsets = new Map();
  for (const [, module, offset] of report.matchAll(unnamedFrame)) {
    if (!modules.has(module)) continue;
    const list = offsets.get(module) ?? new Set();
    list.add(offset);
    offsets.set(module, list);
  }
  const names = new Map();
  for (const [module, set] of offsets) {
    const list = [...set];
    let lines;
    try {
      const output = execFileSync("addr2line", ["-f", "-C", "-e", modules.get(module), ...list], {
        encoding: "utf8",
        env: { ...process.env, LD_PRELOAD: "" },
      });
      lines = output.split("\n");
    } catch {
      continue;
    }
    list.forEach((offset, i) => {
      names.set(`${module}+${offset}`, `${lines[2 * i]} ${lines[2 * i + 1]}`);
    });
  }
  return report.replace(unnamedFrame, (frame, module, offset) => {
    const name = names.get(`${module}+${offset}`);
    return name === undefined ? frame : `${name} (${module}+${offset})`;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(symbolizeReport(readFileSync(0, "utf8")));
}
