import { CommandError } from "../command-error.js";

/**
 * A command-line number that must be above zero (and whole, for "integer"), at most `max`:
 * otherwise a `CommandError` INVALID_ARGUMENT (exit code 2) naming the option.
 */
export function positiveNumber(
  option: string,
  text: string,
  kind: "integer" | "number" = "number",
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = Number(text);
  const whole = kind === "integer";
  if (
    text.trim() === "" ||
    !Number.isFinite(value) ||
    value <= 0 ||
    value > max ||
    (whole && !Number.isInteger(value))
  ) {
    throw new CommandError(
      "INVALID_ARGUMENT",
      `${option} ${text}: expected ${whole ? "a whole number" : "a number"} above 0${
        max === Number.MAX_SAFE_INTEGER ? "" : ` and at most ${max}`
      }`,
    );
  }
  return value;
}
