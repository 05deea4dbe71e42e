import { type ChildProcess, spawn } from "node:child_process";

/** What kernel-http-client.mjs reports: answered and failed connections, failures by reason. */
export interface KernelClientReport {
  readonly event: "done" | "ready" | "closed" | "deadline";
  readonly ok: number;
  readonly failed: number;
  readonly errors: Readonly<Record<string, number>>;
  /** Milliseconds since the client started. */
  readonly ms: number;
  readonly open?: number;
  readonly closeMs?: number;
  readonly timedOut?: boolean;
}

export interface KernelClientOptions {
  readonly host: string;
  readonly port: number;
  readonly count: number;
  /** Connections opening or in flight at once [count]. */
  readonly parallel?: number;
  /** The client's own bound on its whole run, in ms. */
  readonly deadlineMs: number;
  readonly connectTimeoutMs?: number;
}

const script = new URL("./kernel-http-client.mjs", import.meta.url).pathname;

/** A running kernel-http-client.mjs: its JSON lines, in order, as they come. */
class ClientProcess {
  readonly child: ChildProcess;
  readonly #lines: KernelClientReport[] = [];
  readonly #waiters: ((report: KernelClientReport | undefined) => void)[] = [];
  #exited = false;
  stderr = "";

  constructor(mode: "requests" | "hold", options: KernelClientOptions) {
    this.child = spawn(process.execPath, [script, JSON.stringify({ mode, ...options })], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let buffered = "";
    this.child.stdout?.setEncoding("utf8");
    this.child.stdout?.on("data", (chunk: string) => {
      buffered += chunk;
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        const report = JSON.parse(line) as KernelClientReport;
        const waiter = this.#waiters.shift();
        if (waiter) waiter(report);
        else this.#lines.push(report);
      }
    });
    this.child.stderr?.setEncoding("utf8");
    this.child.stderr?.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    this.child.on("exit", () => {
      this.#exited = true;
      for (const waiter of this.#waiters.splice(0)) waiter(undefined);
    });
  }

  /** The next JSON line; rejects when the process ends first or `timeoutMs` passes. */
  next(timeoutMs: number): Promise<KernelClientReport> {
    const line = this.#lines.shift();
    if (line) return Promise.resolve(line);
    if (this.#exited) return Promise.reject(new Error(`client exited: ${this.stderr}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(new Error(`no report from the kernel client within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (report: KernelClientReport | undefined): void => {
        clearTimeout(timer);
        if (report) resolve(report);
        else reject(new Error(`client exited without a report: ${this.stderr}`));
      };
      this.#waiters.push(waiter);
    });
  }

  /** Ends the process by its pid if it is still running. */
  kill(): void {
    if (!this.#exited && this.child.pid !== undefined) {
      try {
        process.kill(this.child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Runs `count` kernel-side connections (`parallel` at a time), each `GET /<n>` with
 * `Connection: close` read to the end, and resolves with the client's report.
 */
export async function runKernelRequests(options: KernelClientOptions): Promise<KernelClientReport> {
  const client = new ClientProcess("requests", options);
  try {
    return await client.next(options.deadlineMs + 5000);
  } finally {
    client.kill();
  }
}

/** Kernel-side keep-alive connections held open and idle until `close()`. */
export interface HeldConnections {
  /** The report once every connection answered its first request (or failed). */
  readonly ready: KernelClientReport;
  /** Closes every connection with FIN and resolves with the client's last report. */
  close(timeoutMs?: number): Promise<KernelClientReport>;
  /** Ends the client process at once (for finally blocks); the kernel resets its connections. */
  kill(): void;
}

export async function holdKernelConnections(
  options: KernelClientOptions,
): Promise<HeldConnections> {
  const client = new ClientProcess("hold", options);
  let ready: KernelClientReport;
  try {
    ready = await client.next(options.deadlineMs + 5000);
  } catch (error) {
    client.kill();
    throw error;
  }
  return {
    ready,
    async close(timeoutMs = 30_000) {
      client.child.stdin?.write("close\n");
      try {
        return await client.next(timeoutMs);
      } finally {
        client.kill();
      }
    },
    kill: () => client.kill(),
  };
}
