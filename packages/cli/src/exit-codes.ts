/**
 * What `magma` exits with, one code per kind of failure, so that a script can tell them apart
 * without reading the message. They are part of the command's interface: the README lists them,
 * and a code never changes its meaning.
 */
export const ExitCode = {
  /** The command did what it was asked; doctor: no check failed (warnings allowed). */
  OK: 0,
  /** Something unexpected failed; the message says what. */
  FAILURE: 1,
  /** The command line was wrong: an unknown command or option, a missing argument. */
  USAGE: 2,
  /** doctor: at least one check failed. */
  CHECKS_FAILED: 3,
  /** No adapter of that name (ERROR_NOT_FOUND). */
  NOT_FOUND: 4,
  /** Not allowed: root or CAP_NET_ADMIN on Linux, Administrator on Windows (ERROR_ACCESS_DENIED). */
  ACCESS_DENIED: 5,
  /** The wintun library is missing, of another architecture, or not wintun 0.14. */
  LIBRARY: 6,
  /** The configuration was refused (a bad address, route or MTU) or could not be applied. */
  CONFIGURATION: 7,
  /** The option or command is not supported on this platform or in this version (--dns). */
  UNSUPPORTED: 8,
  /** delete: the adapter belongs to a process that is not `magma create` (use --force). */
  OWNED_ELSEWHERE: 9,
  /** stats, capture: no port with a control endpoint (`control: true`) runs on that adapter. */
  NO_CONTROL_ENDPOINT: 10,
} as const;

export type ExitCodeName = keyof typeof ExitCode;
export type ExitCodeValue = (typeof ExitCode)[ExitCodeName];
