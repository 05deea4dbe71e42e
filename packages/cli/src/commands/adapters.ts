import { listLinuxAdapters } from "../adapters/linux-adapters.js";
import type { ListedAdapter } from "../adapters/listed-adapter.js";
import { listTapAdaptersForListing } from "../adapters/tap-listed-adapters.js";
import { listWindowsAdapters } from "../adapters/windows-adapters.js";
import { CommandError } from "../command-error.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { type CommandIo, toJson } from "../output.js";

/**
 * The wintun adapters of this machine (on Linux: of this network namespace). Wintun has no call
 * that lists adapters: Windows lists them as wintun finds them, the network class's devices with
 * hardware ID "Wintun" (windows-adapters.ts); Linux from the kernel's interfaces.
 */
export async function listAdapters(): Promise<ListedAdapter[]> {
  if (process.platform === "linux") return listLinuxAdapters();
  if (process.platform === "win32") return listWindowsAdapters();
  throw new CommandError(
    "UNSUPPORTED",
    `listing adapters is not supported on ${process.platform}`,
    {
      hint: "wintun exists for Windows; Magma emulates it on Linux",
    },
  );
}

/** The table for people: one adapter a line. */
export function formatAdapters(adapters: readonly ListedAdapter[]): string {
  if (adapters.length === 0) return "No adapter.\n";
  const header = ["NAME", "INTERFACE", "INDEX", "LUID", "GUID", "BACKEND", "STATE", "ADDRESSES"];
  // Index 0 is no interface's (NET_IFINDEX_UNSPECIFIED): a Windows adapter without one (disabled).
  const rows = adapters.map((adapter) => [
    adapter.name,
    adapter.interfaceName || "-",
    adapter.interfaceIndex === 0 ? "-" : String(adapter.interfaceIndex),
    `0x${adapter.luid.toString(16)}`,
    adapter.guid ?? "-",
    adapter.backend,
    adapter.creatorAlive ? adapter.state : "leftover (creator exited)",
    adapter.addresses.join(" ") || "-",
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] as number))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

export async function adaptersCommand(
  options: { json?: boolean },
  io: CommandIo,
): Promise<ExitCodeValue> {
  // TAP adapters beside wintun's: `magma create`/`delete` and the doctor deal in wintun's alone.
  const adapters = [...(await listAdapters()), ...listTapAdaptersForListing()];
  io.stdout(options.json === true ? toJson({ adapters }) : formatAdapters(adapters));
  return ExitCode.OK;
}
