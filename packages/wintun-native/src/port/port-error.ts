import { MagmaError } from "@magma/transport";

export type PortErrorCode =
  | "NOT_LENT"
  | "INVALID_LENGTH"
  | "RECEIVER_FAILED"
  | "CONTRACT_VIOLATION";

/** A caller's misuse of a port's transmitter, or a receiver that broke the pump's contract. */
export class PortError extends MagmaError<PortErrorCode> {
  override readonly name = "PortError";
}
