import { chmod, lstat, mkdir, mkdtemp, rename, rm, stat, unlink } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { PassThrough, type Writable } from "node:stream";
import type { ControlRole } from "./control-endpoint-path.js";
import { restrictControlPipe } from "./control-pipe-security.js";
import {
  CONTROL_HELLO_TIMEOUT_MS,
  CONTROL_PROTOCOL_VERSION,
  ControlError,
  type ControlGreeting,
  errorReply,
  MAX_CONTROL_CONNECTIONS,
  MAX_CONTROL_REQUEST_LENGTH,
} from "./control-protocol.js";
import { LineReader } from "./line-reader.js";

/** A capture started for a control client, which the server ends when the client goes away. */
export interface ControlledCapture {
  /** Ends the capture at once, quietly: its reader has gone. */
  abort(): void;
}

/**
 * What a process offers on its control endpoint: a port its counters and captures, the creator
 * of an adapter (`magma create`) a way to be asked to remove it. Each operation is served only
 * where its method is given.
 */
export interface ControlTarget {
  readonly adapterName: string;
  readonly backend: string;
  readonly role: ControlRole;
  /** The port's counters, as plain JSON-serialisable data. */
  stats?(): object;
  /** Starts a capture into `destination`; throws a `MagmaError` when it cannot. */
  capture?(
    destination: Writable,
    options: { snapLength?: number; bufferSize?: number },
  ): ControlledCapture;
  /** Removes the adapter and ends; called once the reply saying so has been written. */
  stop?(): void;
}

/** How long `close()` lets clients read what was written to them before cutting them off. */
const CLOSE_GRACE_MS = 1000;
/** How long the check for a live endpoint at the path waits for an answer. */
const PROBE_TIMEOUT_MS = 1000;
/** The longest wait for the end of the connection that restricting a pipe makes (Windows). */
const OWN_CONNECTION_WAIT_MS = 1000;

const line = (value: unknown): string => `${JSON.stringify(value)}\n`;

// The last reply on a connection: written, then the connection closed. Nothing is read after it,
// and a socket nobody reads would never see the client's end.
function endWith(socket: Socket, error: unknown): void {
  socket.end(line(errorReply(error)), () => socket.destroy());
}

/**
 * A control endpoint: serves `stats` and `capture` requests of a port (see control-protocol.ts)
 * to `magma stats` and `magma capture`, or `stop` to `magma delete` from the `magma create` that
 * holds an adapter, on a Unix socket reachable only by the serving process's user (mode 0600, in
 * a directory only that user can write) or a Windows named pipe reachable only by Administrators
 * and SYSTEM (control-pipe-security.ts). A bad request gets an error reply and never reaches the
 * target.
 */
export class ControlServer {
  readonly path: string;
  readonly #server: Server;
  readonly #target: ControlTarget;
  readonly #clients = new Set<Socket>();
  readonly #captures = new Map<Socket, ControlledCapture>();
  /** The socket file's inode, to remove only our own at close (Linux). */
  #inode: bigint | undefined;
  #closing: Promise<void> | undefined;

  private constructor(target: ControlTarget, path: string, server: Server) {
    this.#target = target;
    this.path = path;
    this.#server = server;
    server.on("connection", (socket) => this.#accept(socket));
  }

  /**
   * Opens the endpoint at `path`. On Linux a socket left there by a process that died is replaced;
   * a live one is not (`ControlError` ENDPOINT_IN_USE), nor a path that is not a socket
   * (ENDPOINT_PATH). `onError` gets the server's failures after it listens.
   */
  static async listen(
    target: ControlTarget,
    path: string,
    onError: (error: unknown) => void,
  ): Promise<ControlServer> {
    const server = createServer({ pauseOnConnect: false });
    const control = new ControlServer(target, path, server);
    if (process.platform === "win32") {
      await listenOnPipe(server, path, onError);
    } else {
      control.#inode = await bindUnixSocket(server, path);
      server.on("error", onError);
    }
    // The port's session decides whether the process stays alive (see `session.unref()`); its
    // control endpoint and the tools connected to it do not.
    server.unref();
    return control;
  }

  /**
   * Stops accepting, lets connected clients take what was written to them (up to a second), then
   * closes them and removes the socket file. Captures still running are aborted. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // Unreferenced while serving, the server and its clients must keep the process alive while
      // they close: a caller that awaits this as its last work would otherwise see the process
      // end before the socket file is removed.
      this.#server.ref();
      const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
      for (const capture of this.#captures.values()) capture.abort();
      const clients = [...this.#clients].map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.destroyed) return resolve();
            socket.ref();
            socket.once("close", () => resolve());
            socket.end();
            const cutOff = setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
            socket.once("close", () => clearTimeout(cutOff));
          }),
      );
      await Promise.all(clients);
      await closed;
      if (this.#inode !== undefined) {
        const now = await stat(this.path, { bigint: true }).catch(() => undefined);
        // Another port may have replaced a socket it took for stale: leave that one.
        if (now?.ino === this.#inode) await unlink(this.path).catch(() => {});
      }
    })();
    return this.#closing;
  }

  #accept(socket: Socket): void {
    // A client that resets is not the port's failure; "close" below does the cleaning up.
    socket.on("error", () => {});
    socket.unref();
    if (this.#closing !== undefined || this.#clients.size >= MAX_CONTROL_CONNECTIONS) {
      endWith(
        socket,
        new ControlError("TOO_MANY_CONNECTIONS", "the port serves no more connections now", {
          hint: `at most ${MAX_CONTROL_CONNECTIONS} at once`,
        }),
      );
      return;
    }
    this.#clients.add(socket);
    socket.on("close", () => {
      this.#clients.delete(socket);
      this.#captures.get(socket)?.abort();
      this.#captures.delete(socket);
    });
    // Nothing is written before the client's hello, and a client that never says it does not keep
    // one of the few connections.
    let greeted = false;
    const helloTimer = setTimeout(() => socket.destroy(), CONTROL_HELLO_TIMEOUT_MS);
    helloTimer.unref();
    socket.once("close", () => clearTimeout(helloTimer));
    const reader = new LineReader(MAX_CONTROL_REQUEST_LENGTH);
    const onData = (chunk: Buffer): void => {
      try {
        for (let text = reader.next(chunk); text !== undefined; text = reader.next()) {
          if (!greeted) {
            if (!this.#greet(socket, text)) return;
            greeted = true;
            clearTimeout(helloTimer);
            continue;
          }
          if (this.#answer(socket, text) === "streaming") {
            // The connection now carries the capture; what the client sends is not read as
            // requests, but read on (and dropped) so that its going away is seen.
            socket.off("data", onData);
            socket.on("data", () => {});
            socket.once("end", () => socket.destroy());
            return;
          }
        }
      } catch (error) {
        socket.off("data", onData);
        endWith(socket, new ControlError("BAD_REQUEST", String(error)));
      }
    };
    socket.on("data", onData);
  }

  // The first line must be a hello of this protocol's version; otherwise an error, and the end.
  #greet(socket: Socket, text: string): boolean {
    let hello: { op?: unknown; protocol?: unknown } | undefined;
    try {
      hello = JSON.parse(text);
    } catch {}
    if (hello?.op !== "hello" || hello.protocol !== CONTROL_PROTOCOL_VERSION) {
      endWith(
        socket,
        new ControlError("BAD_REQUEST", "a connection starts with a hello", {
          hint: `{"op":"hello","protocol":${CONTROL_PROTOCOL_VERSION}}`,
        }),
      );
      return false;
    }
    const greeting: ControlGreeting = {
      magma: "control",
      protocol: CONTROL_PROTOCOL_VERSION,
      adapterName: this.#target.adapterName,
      backend: this.#target.backend,
      role: this.#target.role,
      pid: process.pid,
    };
    socket.write(line({ ok: true, ...greeting }));
    return true;
  }

  // Answers one request line; "streaming" once the connection carries a capture.
  #answer(socket: Socket, text: string): "answered" | "streaming" {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      socket.write(
        line(errorReply(new ControlError("BAD_REQUEST", "a request is one JSON object"))),
      );
      return "answered";
    }
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      socket.write(
        line(errorReply(new ControlError("BAD_REQUEST", "a request is one JSON object"))),
      );
      return "answered";
    }
    const { op, ...options } = request as { op?: unknown };
    const target = this.#target;
    try {
      if (op === "stats" && target.stats !== undefined) {
        checkKeys(options, []);
        socket.write(line({ ok: true, stats: target.stats() }));
        return "answered";
      }
      if (op === "capture" && target.capture !== undefined) {
        checkKeys(options, ["snapLength", "bufferSize"]);
        this.#startCapture(socket, target.capture.bind(target), options);
        return "streaming";
      }
      if (op === "stop" && target.stop !== undefined) {
        checkKeys(options, []);
        const stop = target.stop.bind(target);
        socket.write(line({ ok: true }), () => stop());
        return "answered";
      }
      const served = (["stats", "capture", "stop"] as const).filter(
        (name) => target[name] !== undefined,
      );
      throw new ControlError(
        "UNKNOWN_OPERATION",
        `unknown operation ${JSON.stringify(op)} for the ${target.role} of ${target.adapterName}`,
        { hint: `the operations here are ${served.map((name) => `"${name}"`).join(", ")}` },
      );
    } catch (error) {
      socket.write(line(errorReply(error)));
      return "answered";
    }
  }

  #startCapture(
    socket: Socket,
    capture: NonNullable<ControlTarget["capture"]>,
    options: object,
  ): void {
    // The capture writes its headers as it starts, and may refuse to start: it writes into this
    // stream, which reaches the socket only after the reply saying it started. Its write
    // callbacks wait while the socket is backed up, so a slow client costs capture drops.
    const stream = new PassThrough();
    let running: ControlledCapture;
    try {
      running = capture(stream, options);
    } catch (error) {
      stream.destroy();
      throw error;
    }
    this.#captures.set(socket, running);
    socket.write(line({ ok: true }));
    stream.pipe(socket);
  }
}

function checkKeys(options: object, allowed: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new ControlError("BAD_REQUEST", `unknown request field ${JSON.stringify(key)}`, {
        hint: allowed.length === 0 ? "this operation takes none" : `allowed: ${allowed.join(", ")}`,
      });
    }
  }
}

function listenOn(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new ControlError("ENDPOINT_IN_USE", `another port serves ${path}`, {
              hint: "one port per adapter name has a control endpoint",
              cause: error,
            })
          : new ControlError("ENDPOINT_PATH", `cannot listen on ${path}: ${error.message}`, {
              cause: error,
            }),
      );
    };
    server.once("error", failed);
    server.listen(path, () => {
      server.off("error", failed);
      resolve();
    });
  });
}

// The pipe is restricted before the endpoint is announced: a caller that gets the server may
// tell clients where it is. Restricting connects to the pipe for a moment: that connection, which
// the server accepts like any other and sees end at once, is waited for to its end, so that it
// holds none of the port's connections once the endpoint is announced. (The wait is bounded: a
// client that connected first, before the restriction, is not waited for.)
async function listenOnPipe(
  server: Server,
  path: string,
  onError: (error: unknown) => void,
): Promise<void> {
  await listenOn(server, path);
  server.on("error", onError);
  try {
    restrictControlPipe(path);
  } catch (error) {
    server.close();
    throw error;
  }
  await nextConnectionClosed(server, OWN_CONNECTION_WAIT_MS);
}

// The server's next connection is accepted (and counted) by ControlServer's own listener, which
// was added first and so also sees its end first.
function nextConnectionClosed(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      server.off("connection", accepted);
      resolve();
    };
    const accepted = (socket: Socket) => {
      server.off("connection", accepted);
      if (socket.destroyed) done();
      else socket.once("close", done);
    };
    const timer = setTimeout(done, timeoutMs);
    server.on("connection", accepted);
  });
}

/**
 * Binds the socket where no other user can reach it even for an instant: in a new directory of
 * mode 0700, made 0600 there, then renamed into place (a rename replaces a stale socket at once).
 * Returns the socket file's inode.
 */
async function bindUnixSocket(server: Server, path: string): Promise<bigint> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true, mode: 0o755 }).catch((error: unknown) => {
    throw new ControlError("ENDPOINT_PATH", `cannot make the directory ${directory}`, {
      hint: "run as root, or set MAGMA_CONTROL_DIR to a directory of this user",
      cause: error,
    });
  });
  await checkDirectory(directory);
  await checkExisting(path);
  const scratch = await mkdtemp(join(directory, ".bind-"));
  try {
    const bound = join(scratch, "socket");
    await listenOn(server, bound);
    await chmod(bound, 0o600);
    await rename(bound, path);
    return (await stat(path, { bigint: true })).ino;
  } catch (error) {
    server.close();
    throw error instanceof ControlError
      ? error
      : new ControlError("ENDPOINT_PATH", `cannot make the control socket ${path}`, {
          cause: error,
        });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

// The directory must be ours and writable by nobody else: otherwise another user could put a
// socket of theirs where clients look for the port's.
async function checkDirectory(directory: string): Promise<void> {
  const info = await lstat(directory);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (info.mode & 0o022) !== 0 || (uid !== undefined && info.uid !== uid)) {
    throw new ControlError(
      "ENDPOINT_PATH",
      `${directory} is not a directory of this user that only it can write`,
      { hint: "remove it, or set MAGMA_CONTROL_DIR to such a directory" },
    );
  }
}

async function checkExisting(path: string): Promise<void> {
  const info = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (info === undefined) return;
  if (!info.isSocket()) {
    throw new ControlError("ENDPOINT_PATH", `${path} exists and is not a socket`, {
      hint: "remove it",
    });
  }
  if (await answers(path)) {
    throw new ControlError("ENDPOINT_IN_USE", `another live port serves ${path}`, {
      hint: "a port on an adapter of this name runs (maybe in another network namespace); close it",
    });
  }
}

// Whether a process listens on the socket; a socket whose process died refuses (ECONNREFUSED).
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (live: boolean) => {
      socket.destroy();
      resolve(live);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(true));
  });
}
