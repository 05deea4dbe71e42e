/**
 * The base of every error Magma throws. `code` is machine-readable (a symbolic string, or a
 * platform error number in subclasses that carry one); `hint`, when present, says what a person
 * can do about it.
 */
export class MagmaError<TCode extends string | number = string> extends Error {
  readonly code: TCode;
  readonly hint: string | undefined;

  constructor(code: TCode, message: string, options?: { hint?: string; cause?: unknown }) {
    super(
      options?.hint === undefined ? message : `${message} (${options.hint})`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = new.target.name;
    this.code = code;
    this.hint = options?.hint;
  }
}
