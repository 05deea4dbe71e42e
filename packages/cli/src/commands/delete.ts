import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { ControlClient, ControlError } from "@magma/wintun-native";
import { findCreatorProcess, isMagmaCreate } from "../adapters/creator-process.js";
import type { ListedAdapter } from "../adapters/listed-adapter.js";
import { CommandError } from "../command-error.js";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { type CommandIo, toJson } from "../output.js";
import { listAdapters } from "./adapters.js";

const run = promisify(execFile);

export interface DeleteCommandOptions {
  readonly force?: boolean;
  readonly json?: boolean;
  /** How long to wait for the interface to go, in milliseconds. */
  readonly timeoutMs?: number;
}

/**
 * Removes an adapter. Wintun removes an adapter only through the handle of the process that
 * created it, so this asks that process to: a `magma create` through its control endpoint (role
 * "creator"), on every platform. On Linux, without that endpoint, it finds the creating process
 * (the one holding the TUN file) and sends it SIGTERM, a program other than `magma create` only
 * with --force; a leftover, whose creator has exited, is deleted as an interface. On Windows an
 * adapter cannot outlive its creator, and another program's is left to it.
 */
export async function deleteCommand(
  name: string,
  options: DeleteCommandOptions,
  io: CommandIo,
): Promise<ExitCodeValue> {
  const adapter = await findAdapter(name);
  const how = (await askCreator(adapter.name)) ?? (await stopCreatorProcess(adapter, options));
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (!(await adapterGone(adapter))) {
    if (Date.now() > deadline) {
      throw new CommandError("TIMEOUT", `"${name}" (${adapter.interfaceName}) is still there`, {
        hint: "the process that created it did not end: stop it",
      });
    }
    await sleep(20);
  }
  io.stdout(
    options.json === true
      ? toJson({ deleted: adapter.name, interfaceName: adapter.interfaceName, how })
      : `Deleted ${adapter.name} (${adapter.interfaceName}): ${how}.\n`,
  );
  return ExitCode.OK;
}

async function findAdapter(name: string): Promise<ListedAdapter> {
  const adapter = (await listAdapters()).find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (adapter === undefined) {
    throw new CommandError("NOT_FOUND", `no adapter named "${name}"`, {
      hint: "magma adapters lists the adapters (on Linux: of this network namespace)",
    });
  }
  return adapter;
}

// Asks the `magma create` holding the adapter to remove it; undefined when none answers there.
async function askCreator(adapterName: string): Promise<string | undefined> {
  let creator: ControlClient;
  try {
    creator = await ControlClient.connect(adapterName, { role: "creator", timeoutMs: 2000 });
  } catch (error) {
    if (error instanceof ControlError && error.code === "NO_ENDPOINT") return undefined;
    throw error;
  }
  try {
    await creator.stop();
    return `asked magma create (process ${creator.greeting.pid}), which held it, to remove it`;
  } finally {
    creator.close();
  }
}

async function stopCreatorProcess(
  adapter: ListedAdapter,
  options: DeleteCommandOptions,
): Promise<string> {
  if (process.platform !== "linux") {
    throw new CommandError(
      "OWNED_ELSEWHERE",
      `"${adapter.name}" was not created by a running magma create`,
      {
        hint: "stop the program that created it: wintun removes an adapter with its creator's handle",
      },
    );
  }
  if (!adapter.creatorAlive) {
    await run("ip", ["link", "delete", "dev", adapter.interfaceName]);
    return "deleted the leftover interface";
  }
  const creator = await findCreatorProcess(adapter.interfaceIndex);
  if (creator === undefined) {
    throw new CommandError(
      "OWNED_ELSEWHERE",
      `the process that created "${adapter.name}" could not be found`,
      { hint: "run as root to see every process, or stop the program that created it" },
    );
  }
  const command = creator.argv.join(" ");
  if (!isMagmaCreate(creator.argv) && options.force !== true) {
    throw new CommandError(
      "OWNED_ELSEWHERE",
      `"${adapter.name}" belongs to process ${creator.pid} (${command})`,
      { hint: "stop that program, or add --force to send it SIGTERM" },
    );
  }
  process.kill(creator.pid, "SIGTERM");
  return `stopped process ${creator.pid} (${command}), which created it`;
}

// Gone: on Linux the interface's index no longer names it; elsewhere the listing lacks it.
async function adapterGone(adapter: ListedAdapter): Promise<boolean> {
  if (process.platform === "linux") {
    const index = await readFile(`/sys/class/net/${adapter.interfaceName}/ifindex`, "utf8").catch(
      () => "",
    );
    return Number(index.trim()) !== adapter.interfaceIndex;
  }
  return !(await listAdapters()).some((listed) => listed.luid === adapter.luid);
}
