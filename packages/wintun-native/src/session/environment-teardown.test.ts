import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { describeNetwork, linkExists } from "../test-support/network-test.js";

// A JavaScript environment that owns a busy session must be able to go away at any moment: the
// receive thread keeps delivering while Node tears the environment down, and every call into it
// then fails. Each way, 20 runs under a UDP flood (subnets 121-128, one per case so they run side
// by side), with a session, with a port, and with a port whose receivers run on workers of its own.
const RUNS = 20;
const script = fileURLToPath(new URL("../test-support/teardown-under-load.mjs", import.meta.url));

interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runChild(args: readonly string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const limit = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(limit);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const cases = [
  { mode: "unref-exit", owner: "session", subnet: 121 },
  { mode: "unref-exit", owner: "port", subnet: 122 },
  { mode: "worker-terminate", owner: "session", subnet: 123 },
  { mode: "worker-terminate", owner: "port", subnet: 124 },
  { mode: "worker-exit", owner: "session", subnet: 125 },
  { mode: "worker-exit", owner: "port", subnet: 126 },
  { mode: "worker-terminate", owner: "workers-port", subnet: 127 },
  { mode: "worker-exit", owner: "workers-port", subnet: 128 },
] as const;

describeNetwork("a JavaScript environment that ends while its session delivers", () => {
  it.concurrent.each(cases)(
    "$mode with a $owner: 20 of 20 runs end cleanly under load, nothing left",
    async ({ mode, owner, subnet }) => {
      const name = `mgw-td${subnet}`;
      const failures: string[] = [];
      for (let run = 0; run < RUNS; run++) {
        const result = await runChild([mode, owner, name, String(subnet)]);
        const last = result.stdout.trim().split("\n").at(-1) ?? "";
        let report: { received?: number; live?: Record<string, number> | null } = {};
        try {
          report = JSON.parse(last) as typeof report;
        } catch {
          // Reported below with the output.
        }
        const clean =
          result.code === 0 &&
          result.signal === null &&
          (report.received ?? 0) >= 20_000 &&
          (mode === "unref-exit" ||
            JSON.stringify(report.live) ===
              JSON.stringify({ adapters: 0, sessions: 0, receiveThreads: 0, tapDevices: 0 })) &&
          !linkExists(name);
        if (!clean) {
          failures.push(
            `run ${run}: exit ${String(result.code)} signal ${String(result.signal)}, ` +
              `stdout ${JSON.stringify(last)}, stderr ${JSON.stringify(result.stderr.slice(-300))}`,
          );
        }
      }
      expect(failures).toEqual([]);
    },
    180_000,
  );
});
