import { MagmaError } from "@magma/transport";

export type PortErrorCode =
  | "NOT_LENT"
  | "INVALID_LENGTH"
  | "RECEIVER_FAILED"
  | "CONTRACT_VIOLATION"
  | "CAPTURE_RUNNING"
  | "CAPTURE_FAILED"
  | "PORT_CLOSED";

/**
 * A caller's misuse of a port's transmitter, a receiver that broke the pump's contract, or a
 * capture that could not start or whose destination failed.
 */
export class PortError extends MagmaError<PortErrorCode> {
  override readonly name = "PortError";
}
