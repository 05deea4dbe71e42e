import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { findCreatorProcess, isMagmaCreate } from "../adapters/creator-process.js";
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

async function interfaceGone(interfaceName: string, interfaceIndex: number): Promise<boolean> {
  const index = await readFile(`/sys/class/net/${interfaceName}/ifindex`, "utf8").catch(() => "");
  return Number(index.trim()) !== interfaceIndex;
}

/**
 * Removes an adapter. Wintun removes an adapter only through the handle of the process that
 * created it, so this asks that process to end (SIGTERM): `magma create` then closes its
 * handle, which removes the adapter. Another program is not stopped without --force. A leftover,
 * whose creator has exited, is deleted as an interface. Linux only: on Windows the program that
 * created the adapter must close it.
 */
export async function deleteCommand(
  name: string,
  options: DeleteCommandOptions,
  io: CommandIo,
): Promise<ExitCodeValue> {
  if (process.platform !== "linux") {
    throw new CommandError(
      "UNSUPPORTED",
      `magma delete is not supported on ${process.platform} yet`,
      {
        hint: "stop the program that created the adapter: wintun removes an adapter with its creator's handle",
      },
    );
  }
  const adapter = (await listAdapters()).find((a) => a.name.toLowerCase() === name.toLowerCase());
  if (adapter === undefined) {
    throw new CommandError("NOT_FOUND", `no adapter named "${name}"`, {
      hint: "magma adapters lists the adapters of this network namespace",
    });
  }
  let how: string;
  if (adapter.creatorAlive) {
    const creator = await findCreatorProcess(adapter.interfaceIndex);
    if (creator === undefined) {
      throw new CommandError(
        "OWNED_ELSEWHERE",
        `the process that created "${name}" could not be found`,
        {
          hint: "run as root to see every process, or stop the program that created it",
        },
      );
    }
    const command = creator.argv.join(" ");
    if (!isMagmaCreate(creator.argv) && options.force !== true) {
      throw new CommandError(
        "OWNED_ELSEWHERE",
        `"${name}" belongs to process ${creator.pid} (${command})`,
        {
          hint: "stop that program, or add --force to send it SIGTERM",
        },
      );
    }
    process.kill(creator.pid, "SIGTERM");
    how = `stopped process ${creator.pid} (${command}), which created it`;
  } else {
    await run("ip", ["link", "delete", "dev", adapter.interfaceName]);
    how = "deleted the leftover interface";
  }
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (!(await interfaceGone(adapter.interfaceName, adapter.interfaceIndex))) {
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
