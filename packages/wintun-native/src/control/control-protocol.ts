import { MagmaError } from "@magma/transport";
import type { ControlRole } from "./control-endpoint-path.js";

/**
 * The control protocol, spoken on a port's control endpoint (`control: true`): one JSON line per
 * request, one JSON line per reply. The client speaks first, with `hello`, and the port writes
 * nothing before it: on Windows, whose default pipe security lets Everyone open the pipe for
 * reading but only SYSTEM, Administrators and the port's owner for writing, a reader that cannot
 * write learns nothing. A `capture` request, once accepted, turns the rest of the connection into
 * the capture's pcapng stream, which ends when the client disconnects or the port closes.
 *
 * ```text
 * → {"op":"hello","protocol":1}
 * ← {"ok":true,"magma":"control","protocol":1,"adapterName":"Magma","backend":"wintun","role":"port","pid":4242}
 * → {"op":"stats"}
 * ← {"ok":true,"stats":{"rxPackets":10,…}}
 * → {"op":"capture","snapLength":128}
 * ← {"ok":true}
 * ← (pcapng bytes until either side ends)
 * ```
 */
export const CONTROL_PROTOCOL_VERSION = 1;

/** The longest request line a port reads; a longer one is refused and the connection closed. */
export const MAX_CONTROL_REQUEST_LENGTH = 4096;

/** The most connections a port serves at once; more are refused with an error reply. */
export const MAX_CONTROL_CONNECTIONS = 8;

/** A connection that has not said hello this long after connecting is closed. */
export const CONTROL_HELLO_TIMEOUT_MS = 5000;

export interface ControlGreeting {
  readonly magma: "control";
  readonly protocol: number;
  readonly adapterName: string;
  readonly backend: string;
  /** "port" for a port's endpoint, "creator" for the `magma create` holding the adapter. */
  readonly role: ControlRole;
  readonly pid: number;
}

export type ControlRequest =
  | { readonly op: "hello"; readonly protocol: number }
  | { readonly op: "stats" }
  | { readonly op: "stop" }
  | { readonly op: "capture"; readonly snapLength?: number; readonly bufferSize?: number };

export interface ControlErrorReply {
  readonly ok: false;
  readonly error: { readonly code: string; readonly message: string; readonly hint?: string };
}

export type ControlErrorCode =
  /** No port with a control endpoint runs on that adapter (or it is not reachable from here). */
  | "NO_ENDPOINT"
  /** The endpoint is there, but only root (Linux) or Administrators (Windows) may use it. */
  | "ACCESS_DENIED"
  /** Another live port already serves the endpoint of that adapter name. */
  | "ENDPOINT_IN_USE"
  /** The endpoint's path is taken by something that is not a socket, or cannot be made. */
  | "ENDPOINT_PATH"
  /** The port did not understand the request: not JSON, not an object, too long. */
  | "BAD_REQUEST"
  | "UNKNOWN_OPERATION"
  | "TOO_MANY_CONNECTIONS"
  /** The other side did not speak this protocol, or ended in the middle of a reply. */
  | "PROTOCOL"
  /** The port refused the request with an error of its own; `remoteCode` names it. */
  | "REFUSED";

/** A failure of the control endpoint, on either side of it. */
export class ControlError extends MagmaError<ControlErrorCode> {
  override readonly name = "ControlError";
  /** For "REFUSED": the port's own error code (e.g. `CAPTURE_RUNNING`, `INVALID_OPTION`). */
  readonly remoteCode: string | undefined;

  constructor(
    code: ControlErrorCode,
    message: string,
    options?: { hint?: string; cause?: unknown; remoteCode?: string },
  ) {
    super(code, message, options);
    this.remoteCode = options?.remoteCode;
  }
}

/** The reply for a failed request: the error's code, its message without the hint, the hint. */
export function errorReply(error: unknown): ControlErrorReply {
  if (error instanceof MagmaError) {
    const hint = error.hint;
    const suffix = hint === undefined ? "" : ` (${hint})`;
    const message = error.message.endsWith(suffix)
      ? error.message.slice(0, error.message.length - suffix.length)
      : error.message;
    return {
      ok: false,
      error: { code: String(error.code), message, ...(hint === undefined ? {} : { hint }) },
    };
  }
  return {
    ok: false,
    error: { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) },
  };
}
