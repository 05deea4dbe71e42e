import { Duplex } from "node:stream";
import type { ConnectionSocket, TcpConnection } from "./tcp-connection.js";
import type { TcpConnectionInfo } from "./tcp-info.js";
import { TcpState } from "./tcp-state.js";

export interface TcpSocketOptions {
  /** As `net.Socket`: keep the writable side open after the peer's FIN [false]. */
  readonly allowHalfOpen?: boolean;
  readonly readableHighWaterMark?: number;
  readonly writableHighWaterMark?: number;
}

/**
 * One TCP connection as a Node.js `Duplex`, shaped like `net.Socket` so that `http`, `https`,
 * `tls` and `stream.pipeline` accept it unchanged: address getters, `bytesRead`/`bytesWritten`,
 * `readyState`, `connecting`/"connect", `setNoDelay`, `setKeepAlive`, `setTimeout`/"timeout",
 * `end()` (FIN, with `allowHalfOpen` as `net`), `destroy()` (FIN, or RST with unread data),
 * `resetAndDestroy()` (RST), `ref`/`unref`, and errors with Node's codes.
 *
 * Write callbacks run as soon as the bytes enter the connection's send buffer (not when they are
 * acknowledged), as the kernel's do; `write()` returns false once the send buffer and the stream's
 * own buffer are full, and "drain" follows.
 */
export class TcpSocket extends Duplex implements ConnectionSocket {
  readonly #connection: TcpConnection;
  #connecting: boolean;
  #timeout = 0;

  constructor(connection: TcpConnection, options: TcpSocketOptions = {}) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? false,
      ...(options.readableHighWaterMark === undefined
        ? {}
        : { readableHighWaterMark: options.readableHighWaterMark }),
      ...(options.writableHighWaterMark === undefined
        ? {}
        : { writableHighWaterMark: options.writableHighWaterMark }),
    });
    this.#connection = connection;
    this.#connecting = connection.state === TcpState.synSent;
    connection.socket = this;
  }

  // ----------------------------------------------------------- what net.Socket users read

  get remoteAddress(): string {
    return this.#connection.remote.text;
  }
  get remotePort(): number {
    return this.#connection.remotePort;
  }
  get remoteFamily(): "IPv4" | "IPv6" {
    return this.#connection.remote.familyName;
  }
  get localAddress(): string {
    return this.#connection.local.text;
  }
  get localPort(): number {
    return this.#connection.localPort;
  }
  get localFamily(): "IPv4" | "IPv6" {
    return this.#connection.local.familyName;
  }
  /** Bytes received from the peer (delivered or waiting to be). */
  get bytesRead(): number {
    return this.#connection.bytesRead;
  }
  /** Bytes the application wrote into the connection. */
  get bytesWritten(): number {
    return this.#connection.bytesWritten;
  }
  get connecting(): boolean {
    return this.#connecting;
  }
  /** As `net.Socket`: true until connected. */
  get pending(): boolean {
    return this.#connecting || this.#connection.state === TcpState.closed;
  }
  get readyState(): "opening" | "open" | "readOnly" | "writeOnly" | "closed" {
    if (this.#connecting) return "opening";
    if (this.destroyed) return "closed";
    if (this.readable && this.writable) return "open";
    if (this.readable) return "readOnly";
    if (this.writable) return "writeOnly";
    return "closed";
  }
  /** The idle timeout set by `setTimeout`, in ms (0 = none). */
  get timeout(): number {
    return this.#timeout;
  }

  address(): { address: string; family: "IPv4" | "IPv6"; port: number } {
    return { address: this.localAddress, family: this.localFamily, port: this.localPort };
  }

  /** What Linux's `TCP_INFO` would say about this connection. */
  getInfo(): TcpConnectionInfo {
    return this.#connection.info();
  }

  // ----------------------------------------------------------- what net.Socket users call

  /** Turns Nagle's algorithm off (`true`) or on (RFC 9293 §3.7.4, MUST-17). */
  setNoDelay(noDelay = true): this {
    this.#connection.setNoDelay(noDelay);
    return this;
  }

  /** Keepalive probes after `initialDelay` ms of silence (RFC 1122 §4.2.3.6); off by default. */
  setKeepAlive(enable = false, initialDelay = 0): this {
    this.#connection.setKeepAlive(enable, initialDelay > 0 ? initialDelay : 7_200_000);
    return this;
  }

  /** Emits "timeout" after `ms` of inactivity (0 turns it off), as `net.Socket.setTimeout`. */
  setTimeout(ms: number, callback?: () => void): this {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`The value of "msecs" is out of range: ${String(ms)}`);
    }
    this.#timeout = ms;
    this.#connection.setIdleTimeout(Math.floor(ms));
    if (callback !== undefined) {
      if (ms === 0) this.removeListener("timeout", callback);
      else this.once("timeout", callback);
    }
    return this;
  }

  /** Closes with a RST instead of a FIN, discarding unsent data. */
  resetAndDestroy(): this {
    this.#connection.abort();
    this.destroy();
    return this;
  }

  /** As `net.Socket.destroySoon`: end, and destroy once everything was handed over. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once("finish", () => this.destroy());
  }

  /** Nothing here holds the event loop per socket; kept for `net.Socket` compatibility. */
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  // ----------------------------------------------------------- Duplex internals

  override _read(): void {
    this.#connection.applicationRead();
  }

  override _write(
    chunk: Buffer,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    this.#connection.write([chunk], callback);
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: (error?: Error | null) => void,
  ): void {
    this.#connection.write(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#connection.shutdownWrite();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#connecting = false;
    this.#connection.socketDestroyed();
    callback(error);
  }

  // ----------------------------------------------------------- the connection's calls

  /** @internal */
  deliver(chunk: Buffer): void {
    if (!this.destroyed) this.push(chunk);
  }

  /** @internal */
  deliverEnd(): void {
    if (!this.destroyed) this.push(null);
  }

  /** @internal */
  connected(): void {
    this.#connecting = false;
    this.emit("connect");
    this.emit("ready");
  }

  /** @internal */
  fail(error: Error): void {
    this.#connecting = false;
    this.destroy(error);
  }

  /** @internal */
  idleTimeout(): void {
    this.emit("timeout");
  }
}
