import { MagmaError } from "@magma/transport";

export type PortErrorCode =
  | "NOT_LENT"
  | "INVALID_LENGTH"
  | "RECEIVER_FAILED"
  | "CONTRACT_VIOLATION"
  | "CAPTURE_RUNNING"
  | "CAPTURE_FAILED"
  | "PORT_CLOSED"
  | "WORKER_START_FAILED"
  | "WORKER_FAILED"
  | "WORKER_DIED"
  | "RECEIVER_IN_WORKERS"
  | "CAPTURE_UNSUPPORTED";

/**
 * A caller's misuse of a port's transmitter, a receiver that broke the pump's contract, a
 * capture that could not start or whose destination failed, or a port worker that could not start,
 * failed or died.
 */
export class PortError extends MagmaError<PortErrorCode> {
  override readonly name = "PortError";
}
