import { connect, type Socket } from "node:net";
import { PassThrough, type Readable } from "node:stream";
import { type ControlRole, controlEndpointPath } from "./control-endpoint-path.js";
import {
  CONTROL_PROTOCOL_VERSION,
  ControlError,
  type ControlErrorReply,
  type ControlGreeting,
} from "./control-protocol.js";
import { LineReader } from "./line-reader.js";

/** A reply line is at most this long: a port's statistics are far smaller. */
const MAX_REPLY_LENGTH = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5000;

export interface ControlClientOptions {
  /** Whose endpoint: the port's (default) or the adapter's creator's (`magma create`). */
  readonly role?: ControlRole;
  /** The endpoint; default `controlEndpointPath(adapterName, { role })`. */
  readonly path?: string;
  /** How long to wait for the connection and for each reply. Default 5000 ms. */
  readonly timeoutMs?: number;
}

/**
 * A port's counters as its control endpoint sends them: numbers in nested groups, lists of groups
 * (a port's `workers`), and flags (a worker's `running`).
 */
export interface ControlStatistics {
  readonly [name: string]: number | boolean | ControlStatistics | readonly ControlStatistics[];
}

/**
 * A connection to the control endpoint of a port running in another process (`control: true`),
 * as `magma stats` and `magma capture` use it. Requests are answered one at a time, in order.
 *
 * ```ts
 * const client = await ControlClient.connect("Magma");
 * console.log((await client.stats()).rxPackets);
 * client.close();
 * ```
 */
export class ControlClient {
  readonly greeting: ControlGreeting;
  readonly #socket: Socket;
  readonly #reader: LineReader;
  readonly #timeoutMs: number;
  #streaming = false;

  private constructor(
    socket: Socket,
    reader: LineReader,
    greeting: ControlGreeting,
    timeoutMs: number,
  ) {
    this.#socket = socket;
    this.#reader = reader;
    this.greeting = greeting;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Connects to the port on adapter `adapterName` and says hello. Throws `ControlError`:
   * NO_ENDPOINT when no port serves one there, ACCESS_DENIED for a user who may not use it,
   * PROTOCOL when what answers does not speak this protocol.
   */
  static async connect(
    adapterName: string,
    options: ControlClientOptions = {},
  ): Promise<ControlClient> {
    const role = options.role ?? "port";
    const path = options.path ?? controlEndpointPath(adapterName, { role });
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const socket = await open(path, adapterName, timeoutMs);
    const reader = new LineReader(MAX_REPLY_LENGTH);
    try {
      const { ok: _, ...greeting } = (await exchange(socket, reader, timeoutMs, {
        op: "hello",
        protocol: CONTROL_PROTOCOL_VERSION,
      })) as Partial<ControlGreeting> & { ok: true };
      if (
        greeting.magma !== "control" ||
        greeting.protocol !== CONTROL_PROTOCOL_VERSION ||
        greeting.role !== role
      ) {
        throw new ControlError(
          "PROTOCOL",
          `${path} does not speak Magma's control protocol ${CONTROL_PROTOCOL_VERSION}`,
          { hint: "the port and this command may be of different versions" },
        );
      }
      return new ControlClient(socket, reader, greeting as ControlGreeting, timeoutMs);
    } catch (error) {
      socket.destroy();
      throw error;
    }
  }

  /** The port's counters (`port.stats`). */
  async stats(): Promise<ControlStatistics> {
    const reply = await this.#request({ op: "stats" });
    return reply.stats as ControlStatistics;
  }

  /**
   * Starts a capture of the port's packets and returns its pcapng stream, which ends when the
   * port closes. `destroy()` it (or `close()` this client) to stop. The connection serves no
   * further requests. A port that refuses (a capture already runs, a bad option) gives
   * `ControlError` REFUSED with the port's code in `remoteCode`.
   */
  async capture(options: { snapLength?: number; bufferSize?: number } = {}): Promise<Readable> {
    await this.#request({ op: "capture", ...options });
    this.#streaming = true;
    // Reading the reply paused the socket, which a new 'data' listener would not resume: the
    // stream handed out is a fresh one, fed from the socket with its backpressure.
    const socket = this.#socket;
    const stream = new PassThrough();
    const rest = this.#reader.rest();
    if (rest.length > 0) stream.write(rest);
    socket.pipe(stream);
    stream.on("close", () => socket.destroy());
    // A connection cut without its end still ends the stream for the reader.
    socket.once("close", () => {
      if (!stream.writableEnded) stream.end();
    });
    return stream;
  }

  /**
   * Asks the adapter's creator (`role: "creator"`) to remove the adapter and end; resolves once it
   * has agreed. Whether the adapter is gone is for the caller to watch.
   */
  async stop(): Promise<void> {
    await this.#request({ op: "stop" });
  }

  close(): void {
    this.#socket.destroy();
  }

  async #request(request: object): Promise<Record<string, unknown>> {
    if (this.#streaming) {
      throw new ControlError("PROTOCOL", "this connection carries a capture now", {
        hint: "connect again for other requests",
      });
    }
    return exchange(this.#socket, this.#reader, this.#timeoutMs, request);
  }
}

/**
 * Sends one request and reads its reply: the reply's fields when it succeeded, else `ControlError`
 * REFUSED with the port's code, or PROTOCOL for a reply that is neither.
 */
async function exchange(
  socket: Socket,
  reader: LineReader,
  timeoutMs: number,
  request: object,
): Promise<{ ok: true } & Record<string, unknown>> {
  socket.write(`${JSON.stringify(request)}\n`);
  const reply = parse(await readLine(socket, reader, timeoutMs)) as Record<string, unknown> | null;
  if (reply?.ok === true) return reply as { ok: true } & Record<string, unknown>;
  const error = (reply as Partial<ControlErrorReply> | null)?.error;
  if (reply?.ok !== false || typeof error?.code !== "string") {
    throw new ControlError("PROTOCOL", "the reply is neither a result nor an error", {
      hint: "is a Magma port of this version at the other end?",
    });
  }
  throw new ControlError("REFUSED", `the port refused: ${error.message}`, {
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    remoteCode: error.code,
  });
}

function open(path: string, adapterName: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new ControlError("PROTOCOL", `${path} did not accept the connection in ${timeoutMs} ms`),
      );
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", failed);
      // Between requests nobody listens; a failure then shows at the next request as its end.
      socket.on("error", () => {});
      resolve(socket);
    });
    const failed = (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "EACCES" || error.code === "EPERM") {
        reject(
          new ControlError("ACCESS_DENIED", `not allowed to use the control endpoint ${path}`, {
            hint: process.platform === "win32" ? "run as Administrator" : "run as root (sudo)",
            cause: error,
          }),
        );
      } else {
        reject(
          new ControlError(
            "NO_ENDPOINT",
            `no port with a control endpoint runs on "${adapterName}"`,
            {
              hint: "the program must run its port with control: true; where it sets MAGMA_CONTROL_DIR, set the same here",
              cause: error,
            },
          ),
        );
      }
    };
    socket.once("error", failed);
  });
}

// The next line from the socket: from what was already read, or as it arrives.
function readLine(socket: Socket, reader: LineReader, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined, text?: string) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("end", onEnd);
      socket.off("error", onError);
      socket.pause();
      if (error === undefined) resolve(text as string);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      try {
        const text = reader.next(chunk);
        if (text !== undefined) finish(undefined, text);
      } catch (error) {
        finish(new ControlError("PROTOCOL", `the port's reply is too long: ${String(error)}`));
      }
    };
    const onEnd = () => finish(new ControlError("PROTOCOL", "the port closed the connection"));
    const onError = (error: Error) =>
      finish(
        new ControlError("PROTOCOL", `the connection failed: ${error.message}`, { cause: error }),
      );
    const timer = setTimeout(
      () => finish(new ControlError("PROTOCOL", `no reply from the port in ${timeoutMs} ms`)),
      timeoutMs,
    );
    const ready = reader.next();
    if (ready !== undefined) return finish(undefined, ready);
    socket.on("data", onData);
    socket.once("end", onEnd);
    socket.once("error", onError);
    socket.resume();
  });
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ControlError("PROTOCOL", "the port's reply is not JSON");
  }
}
