// Undo actions that must run however the process ends: normal exit, an exception, or SIGINT /
// SIGTERM. Each action is synchronous (kill a pid, delete a namespace) so it also runs from the
// 'exit' event, and runs once.
const pending = new Set();
let installed = false;

function runPending() {
  for (const action of [...pending].reverse()) {
    pending.delete(action);
    try {
      action();
    } catch {
      // Best effort: one failed undo must not stop the others.
    }
  }
}

function install() {
  if (installed) return;
  installed = true;
  process.on("exit", runPending);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      runPending();
      process.exit(128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1));
    });
  }
}

/** Registers an undo action; the returned function runs it now (once) and unregisters it. */
export function onCleanup(action) {
  install();
  pending.add(action);
  return () => {
    if (pending.delete(action)) action();
  };
}
