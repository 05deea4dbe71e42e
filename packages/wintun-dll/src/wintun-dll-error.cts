export type WintunDllErrorCode =
  /** `process.arch` (or the architecture asked for) has no wintun.dll: only x64, arm64, ia32, arm. */
  | "UNSUPPORTED_ARCH"
  /** The package is installed but its DLL file is not there (a partial install, or not built yet). */
  | "DLL_MISSING"
  /** A DLL's SHA-256 or size differs from its pin. */
  | "DLL_HASH_MISMATCH"
  /** The npm tarball the DLLs are taken from differs from its pinned sha512 integrity. */
  | "SOURCE_INTEGRITY_MISMATCH"
  /** The npm tarball the DLLs are taken from lacks one of them, or could not be fetched or read. */
  | "SOURCE_UNUSABLE";

/**
 * What went wrong finding or fetching a wintun.dll. Same shape as Magma's other errors (`code`,
 * `hint`); it does not extend `MagmaError` because this package has no dependencies, which keeps it
 * loadable with require() on every Node 20.
 */
export class WintunDllError extends Error {
  override readonly name = "WintunDllError";
  readonly code: WintunDllErrorCode;
  /** What a person can do about it. */
  readonly hint: string | undefined;

  constructor(
    code: WintunDllErrorCode,
    message: string,
    options?: { hint?: string; cause?: unknown },
  ) {
    super(
      options?.hint === undefined ? message : `${message} (${options.hint})`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.hint = options?.hint;
  }
}
