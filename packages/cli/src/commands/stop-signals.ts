/**
 * Resolves on the first SIGINT (Ctrl+C) or SIGTERM (`magma delete`, `kill`) with its name, or
 * with undefined once `cancel` aborts: a command that ends by itself (a capture's --count) then
 * leaves no listener or timer behind to keep the process running.
 */
export function untilStopped(cancel?: AbortSignal): Promise<NodeJS.Signals | undefined> {
  return new Promise((resolve) => {
    // Signal listeners do not keep Node.js running; this timer does, until a signal comes.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const stop = (signal?: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      cancel?.removeEventListener("abort", cancelled);
      resolve(signal);
    };
    const cancelled = () => stop();
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    if (cancel?.aborted === true) stop();
    else cancel?.addEventListener("abort", cancelled);
  });
}

/** What a long-running command waits on to stop: `untilStopped`, or a test's stand-in. */
export type StopSignal = (cancel: AbortSignal) => Promise<unknown>;
