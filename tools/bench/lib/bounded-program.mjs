// Runs a program to its end with a time limit: killed (by its pid) when it outlives the limit or
// when this process exits first. Used for the kernel-side programs of the benchmarks (the UDP load
// generator, the TCP bulk client, wrk), which stop by themselves and print their results.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { onCleanup } from "./cleanup-on-exit.mjs";

/**
 * Resolves to { code, signal, stdout, stderr, pid } once the program has exited, whatever its
 * status; rejects only if it could not be started. `onStarted(pid)` runs once it is spawned;
 * `onLine(line)` for each stdout line as it arrives.
 */
export function runBoundedProgram(argv, { timeLimitMs, onStarted, onLine }) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const forget = onCleanup(() => {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    });
    let stdout = "";
    let stderr = "";
    createInterface({ input: child.stdout }).on("line", (line) => {
      stdout += `${line}\n`;
      onLine?.(line);
    });
    child.stderr.setEncoding("utf8").on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeLimitMs);
    child.on("spawn", () => onStarted?.(child.pid));
    child.on("error", (error) => {
      clearTimeout(timer);
      forget();
      reject(error);
    });
    // 'close', not 'exit': every stdout line has been read by then.
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      forget();
      resolve({ code, signal, stdout, stderr, pid: child.pid });
    });
  });
}

/** The last stdout line that parses as JSON, or undefined. */
export function lastJsonLine(stdout) {
  for (const line of stdout.trim().split("\n").reverse()) {
    try {
      return JSON.parse(line);
    } catch {
      // Not JSON: look further up.
    }
  }
  return undefined;
}
