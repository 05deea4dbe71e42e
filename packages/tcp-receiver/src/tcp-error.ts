import { MagmaError } from "@magma/transport";

/** The error codes a TCP socket reports, as Node's `net` reports them. */
export type TcpErrorCode =
  | "ECONNRESET"
  | "ECONNREFUSED"
  | "ECONNABORTED"
  | "ETIMEDOUT"
  | "EPIPE"
  | "EHOSTUNREACH";

const MESSAGES: Record<TcpErrorCode, string> = {
  ECONNRESET: "the peer reset the connection",
  ECONNREFUSED: "the peer refused the connection",
  ECONNABORTED: "the connection was aborted locally",
  ETIMEDOUT: "the connection timed out",
  EPIPE: "the connection is closed for writing",
  EHOSTUNREACH: "the peer is unreachable",
};

/**
 * An error on a TCP socket, with the `code` Node's own sockets use (`ECONNRESET`, ...), so code
 * written for `net.Socket` (http's and tls's included) recognises it. `syscall` says which kind of
 * operation failed, as in Node's system errors.
 */
export class TcpSocketError extends MagmaError<TcpErrorCode> {
  readonly syscall: "connect" | "read" | "write";

  constructor(
    code: TcpErrorCode,
    syscall: "connect" | "read" | "write",
    detail?: string,
    options?: { hint?: string; cause?: unknown },
  ) {
    super(code, `${syscall} ${code}: ${detail ?? MESSAGES[code]}`, options);
    this.syscall = syscall;
  }
}

/** Bad arguments or configuration given to the receiver (a caller's bug, thrown at once). */
export class TcpConfigurationError extends MagmaError<"INVALID_ARGUMENT" | "ADDRESS_IN_USE"> {}
