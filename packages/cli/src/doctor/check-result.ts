/** ✓ passed, ✗ failed (the fix says what to do), ! a warning, - not checked here. */
export type CheckStatus = "pass" | "fail" | "warn" | "unavailable";

/** One line of the doctor's report: what was checked, what was found, and the fix. */
export interface CheckResult {
  /** A stable name for scripts: "wintun-library", "net-admin"… */
  readonly id: string;
  /** What is checked, for people: "wintun library". */
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** Further facts, one per line: each place searched, each adapter. */
  readonly notes: readonly string[];
  /** What to do about a failure or a warning. */
  readonly fix: string | undefined;
}

export function checkResult(
  id: string,
  title: string,
  status: CheckStatus,
  detail: string,
  extra: { notes?: readonly string[]; fix?: string } = {},
): CheckResult {
  return { id, title, status, detail, notes: extra.notes ?? [], fix: extra.fix };
}
