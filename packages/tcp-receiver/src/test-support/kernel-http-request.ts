import { once } from "node:events";
import * as http from "node:http";

/** What the server answered: the status and the whole body. */
export interface KernelHttpAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/**
 * One request from the kernel's TCP (Node's http client in this process, its socket on the
 * namespace's adapter) on a connection of its own; resolves with the answer read to the end.
 * Fails when the exchange takes longer than `timeoutMs`.
 */
export function kernelHttpRequest(options: {
  readonly host: string;
  readonly path?: string;
  readonly method?: "GET" | "POST";
  readonly body?: Uint8Array;
  readonly timeoutMs?: number;
}): Promise<KernelHttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: options.host,
        port: 80,
        path: options.path ?? "/",
        method: options.method ?? "GET",
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }),
        );
        response.on("error", reject);
      },
    );
    request.setTimeout(options.timeoutMs ?? 10_000, () =>
      request.destroy(new Error(`no answer from ${options.host} within the time limit`)),
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

/**
 * A keep-alive GET whose answer has begun: its connection stays open (the body is drained as it
 * comes) until the caller destroys `request`, for tests that close a port under a live connection.
 */
export async function openKeepAliveRequest(host: string): Promise<{ request: http.ClientRequest }> {
  const request = http.get({
    host,
    port: 80,
    path: "/",
    agent: new http.Agent({ keepAlive: true }),
  });
  const [response] = (await once(request, "response")) as [http.IncomingMessage];
  response.resume();
  return { request };
}
