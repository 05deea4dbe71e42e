import { OptionError } from "./option-error.js";

/**
 * Up-front checks of a public call's options, shared by every package so that each bad option
 * gets the same typed `OptionError` and the same wording. Each returns the value to use (the
 * fallback when the option is absent) and allocates nothing unless it throws.
 */

/**
 * `options` must be `undefined` or a plain object naming only `known` options; a misspelt option
 * would otherwise be ignored without a word.
 */
export function checkOptionNames(
  where: string,
  options: unknown,
  known: readonly string[],
  name = "options",
): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new OptionError("INVALID_OPTION", where, name, options, "an object");
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new OptionError(
        "UNKNOWN_OPTION",
        where,
        key,
        (options as Record<string, unknown>)[key],
        known.join(", "),
      );
    }
  }
}

/** An integer from `min` to `max`, or `fallback` when absent. */
export function integerOption(
  where: string,
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= min && value <= max) {
    return value;
  }
  throw new OptionError("INVALID_OPTION", where, name, value, `an integer from ${min} to ${max}`);
}

/** A string, or `undefined` when absent and not `required`. */
export function stringOption(
  where: string,
  name: string,
  value: unknown,
  required: boolean,
): string | undefined {
  if (typeof value === "string" || (value === undefined && !required)) return value;
  throw new OptionError("INVALID_OPTION", where, name, value, "a string");
}

/** `true` or `false`, or `fallback` when absent. */
export function booleanOption(
  where: string,
  name: string,
  value: unknown,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  if (typeof value === "boolean") return value;
  throw new OptionError("INVALID_OPTION", where, name, value, "true or false");
}

/** One of `choices`, or `fallback` when absent. */
export function choiceOption<T extends string>(
  where: string,
  name: string,
  value: unknown,
  fallback: T,
  choices: readonly T[],
): T {
  if (value === undefined) return fallback;
  if (typeof value === "string" && (choices as readonly string[]).includes(value))
    return value as T;
  throw new OptionError(
    "INVALID_OPTION",
    where,
    name,
    value,
    `one of ${choices.map((c) => JSON.stringify(c)).join(", ")}`,
  );
}

/** A function, or `undefined` when absent and optional. */
export function functionOption<T extends (...args: never[]) => unknown>(
  where: string,
  name: string,
  value: unknown,
  required: boolean,
): T | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value === "function") return value as T;
  throw new OptionError("INVALID_OPTION", where, name, value, "a function");
}
