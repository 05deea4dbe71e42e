import { MagmaError } from "./magma-error.js";

export type OptionErrorCode =
  /** The option's value has the wrong type or lies outside what is allowed. */
  | "INVALID_OPTION"
  /** The options object names an option the call does not have (a typo, most often). */
  | "UNKNOWN_OPTION";

/**
 * A bad option or argument given to a public call: always the caller's bug, so it is thrown
 * before anything is created. It names the call (`where`), the option, the value given and what
 * is allowed, so the message alone says what to change.
 */
export class OptionError extends MagmaError<OptionErrorCode> {
  override readonly name = "OptionError";
  /** The call that refused it, e.g. `WinTunPort.create`. */
  readonly where: string;
  /** The option's name, e.g. `mtu`, or `options` for the options object itself. */
  readonly option: string;
  readonly value: unknown;
  /** What the option accepts, in words: "an integer from 576 to 65535". */
  readonly allowed: string;

  constructor(
    code: OptionErrorCode,
    where: string,
    option: string,
    value: unknown,
    allowed: string,
    hint?: string,
  ) {
    super(
      code,
      code === "UNKNOWN_OPTION"
        ? `${where}: unknown option "${option}"; the options are ${allowed}`
        : `${where}: ${option} must be ${allowed}, got ${describeValue(value)}`,
      hint === undefined ? undefined : { hint },
    );
    this.where = where;
    this.option = option;
    this.value = value;
    this.allowed = allowed;
  }
}

/** A short, safe rendering of any value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  }
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return `${String(value)}${typeof value === "bigint" ? "n" : ""}`;
  }
  if (value === null || value === undefined) return String(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `an array of ${value.length}`;
  const constructorName = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof constructorName === "string" && constructorName !== "Object"
    ? `a ${constructorName}`
    : "an object";
}
