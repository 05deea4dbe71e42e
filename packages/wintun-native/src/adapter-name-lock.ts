import { createHash } from "node:crypto";
import { createServer, type Server } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { WinTunError } from "./wintun-error.js";

/**
 * wintun does not make open-or-create atomic: two callers that both find no adapter both create
 * one, and wintun then renames the older "<Name> 1" instead of failing. So the callers take turns
 * per name: in this process through a promise chain, and across processes by listening on a local
 * endpoint named after the adapter, which only one process can do at a time. It is an abstract
 * Unix socket on Linux, scoped to the network namespace as the interfaces are, and a named pipe on
 * Windows, machine-wide as wintun adapters are. The system frees either when its process ends, so
 * a process that dies holding one leaves nothing behind.
 */

/** How long to wait for another process to finish with the name (wintun.dll may take 75 s to replace a driver). */
const WAIT_LIMIT_MS = 120_000;
const RETRY_MS = 10;

const turns = new Map<string, Promise<void>>();

/** Runs `action` while no other caller, in this process or another, holds `name`. */
export async function withAdapterNameLock<T>(
  where: string,
  name: string,
  action: () => Promise<T>,
): Promise<T> {
  // wintun matches names ignoring case; folding more than it does only makes callers wait.
  const key = name.toUpperCase();
  const previous = turns.get(key) ?? Promise.resolve();
  let finished = () => {};
  const mine = previous.then(() => new Promise<void>((resolve) => (finished = resolve)));
  turns.set(key, mine);
  await previous;
  try {
    const endpoint = await holdEndpoint(where, name, endpointPath(key));
    try {
      return await action();
    } finally {
      endpoint?.close();
    }
  } finally {
    finished();
    if (turns.get(key) === mine) turns.delete(key);
  }
}

function endpointPath(key: string): string | undefined {
  const id = createHash("sha256").update(key).digest("hex").slice(0, 32);
  if (process.platform === "linux") return `\0magma-wintun-adapter-${id}`;
  if (process.platform === "win32") return `\\\\.\\pipe\\magma-wintun-adapter-${id}`;
  return undefined;
}

async function holdEndpoint(
  where: string,
  name: string,
  path: string | undefined,
): Promise<Server | undefined> {
  if (path === undefined) return undefined;
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const server = createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(path, () => {
          server.off("error", reject);
          resolve();
        });
      });
      // Held, not served: it must not keep the process alive.
      server.unref();
      return server;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    }
    if (Date.now() > deadline) {
      throw new WinTunError(
        258,
        where,
        `${where}: another process kept adapter name "${name}" busy for ${WAIT_LIMIT_MS / 1000} s`,
        { hint: "a process opening or creating an adapter of this name is stuck; end it" },
      );
    }
    await sleep(RETRY_MS);
  }
}
