import { spawn } from "node:child_process";

/** A running `openssl s_server` on the kernel side. */
export interface OpensslServer {
  /** What it printed so far (standard output and error), for failure messages. */
  output(): string;
  /** Ends the process by its pid; idempotent. */
  stop(): void;
}

/**
 * Starts `openssl s_server -accept <address>:<port> -cert … -key … <modeArgs>` in `cwd` and
 * resolves once it listens (it prints ACCEPT), or rejects after `timeoutMs`.
 */
export function startOpensslServer(options: {
  readonly address: string;
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  readonly modeArgs: readonly string[];
  readonly cwd: string;
  readonly timeoutMs?: number;
}): Promise<OpensslServer> {
  const child = spawn(
    "openssl",
    [
      "s_server",
      "-accept",
      `${options.address}:${options.port}`,
      "-cert",
      options.certFile,
      "-key",
      options.keyFile,
      ...options.modeArgs,
    ],
    { cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"] },
  );
  let text = "";
  let exited = false;
  const server: OpensslServer = {
    output: () => text,
    stop() {
      if (exited || child.pid === undefined) return;
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.stop();
      reject(new Error(`openssl s_server did not start: ${text}`));
    }, options.timeoutMs ?? 10_000);
    const onOutput = (chunk: Buffer): void => {
      text = (text + chunk.toString()).slice(-65_536);
      if (text.includes("ACCEPT")) {
        clearTimeout(timer);
        resolve(server);
      }
    };
    child.stdout.on("data", onOutput);
    child.stderr.on("data", onOutput);
    child.on("exit", () => {
      exited = true;
      clearTimeout(timer);
      reject(new Error(`openssl s_server exited: ${text}`));
    });
  });
}
