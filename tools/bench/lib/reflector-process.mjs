// Starts a reflector inside a namespace and stops it. A reflector is any program that follows
// the contract in tools/bench/reflector/README.md: it prints {"ready":true,"ifname":...,"pid":...}
// once packets can flow, reflects UDP until SIGTERM, then prints a JSON summary and exits.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { onCleanup } from "./cleanup-on-exit.mjs";
import { pinnedCpus } from "./cpu-pinning.mjs";
import { readProcessCpuSeconds } from "./process-cpu.mjs";

const stderrLimit = 8192;

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** The reflector contract's ready line: {"ready":true,...}. */
const jsonReadyLine = (line) => {
  const message = parseJson(line);
  return message?.ready === true ? message : undefined;
};

/**
 * spec: { name, argv(ifname) -> string[], env?: object, ifname }.
 * Resolves once the reflector is ready; rejects (and kills it) if it exits or stays silent.
 * `readyLine(line)` returns the ready message for the line that says so, else undefined; other
 * programs started the same way (the TCP benchmark's endpoints, which print "ready") pass theirs.
 */
export function startReflector(
  namespace,
  spec,
  { readyTimeoutMs = 10_000, readyLine = jsonReadyLine } = {},
) {
  const argv = namespace.command(spec.argv(spec.ifname), pinnedCpus()?.reflector);
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...spec.env },
  });
  const forget = onCleanup(() => signal(child.pid, "SIGKILL"));
  const lines = [];
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    if (stderr.length < stderrLimit) stderr += chunk;
  });
  const exited = new Promise((resolve) => {
    child.on("exit", (code, signalName) => resolve({ code, signalName }));
    child.on("error", (error) => resolve({ code: null, signalName: null, error }));
  });
  let onLine;
  const lineWatchers = new Set();
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    onLine?.(line);
    for (const watcher of lineWatchers) watcher(line);
  });
  /** Sends `signalName` and resolves with the first JSON line after it that `accepts`. */
  const signalAndAwait = (pid, signalName, accepts, timeoutMs) =>
    new Promise((resolve, reject) => {
      const watcher = (line) => {
        const message = parseJson(line);
        if (message !== undefined && accepts(message)) {
          lineWatchers.delete(watcher);
          clearTimeout(timer);
          resolve(message);
        }
      };
      const timer = setTimeout(() => {
        lineWatchers.delete(watcher);
        reject(new Error(`${spec.name}: no answer to ${signalName} within ${timeoutMs} ms`));
      }, timeoutMs);
      lineWatchers.add(watcher);
      signal(pid, signalName);
    });

  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal(child.pid, "SIGKILL");
      reject(new Error(`${spec.name}: not ready within ${readyTimeoutMs} ms. ${stderr}`));
    }, readyTimeoutMs);
    onLine = (line) => {
      const message = readyLine(line);
      if (message !== undefined) {
        clearTimeout(timer);
        resolve(message);
      }
    };
    exited.then(({ code, signalName, error }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${spec.name} exited before it was ready (${error?.message ?? code ?? signalName}). ` +
            stderr.trim(),
        ),
      );
    });
  });

  return ready.then(
    (message) => {
      const pid = typeof message.pid === "number" ? message.pid : child.pid;
      let stopped;
      return {
        pid,
        ifname: message.ifname,
        ready: message,
        cpuSeconds: () => readProcessCpuSeconds(pid),
        /**
         * For reflectors with `spec.measuredWindow`: SIGUSR2 opens (then closes) the window over
         * which they report heap and GC figures; resolves once the reflector has printed
         * {"window":"started"} (or "ended").
         */
        toggleWindow: (expected, { timeoutMs = 5_000 } = {}) =>
          signalAndAwait(pid, "SIGUSR2", (message) => message.window === expected, timeoutMs),
        /** Asks it to stop (SIGTERM), kills it after timeoutMs, resolves to its summary line. */
        stop({ timeoutMs = 5_000 } = {}) {
          stopped ??= (async () => {
            signal(pid, "SIGTERM");
            const timer = setTimeout(() => signal(pid, "SIGKILL"), timeoutMs);
            const { code, signalName } = await exited;
            clearTimeout(timer);
            forget();
            const summary = lines
              .map(parseJson)
              .findLast((value) => typeof value?.reflected === "number");
            return { code, signalName, summary: summary ?? null, stderr: stderr.trim() };
          })();
          return stopped;
        },
      };
    },
    (error) => {
      forget();
      throw error;
    },
  );
}

function parseJson(line) {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
