/** What one kernel-side probe (ping, or UDP datagrams from a socket) sent and got back. */
export interface ProbeResult {
  /** What was probed, for the summary: "ping 198.18.0.2", "UDP 198.18.0.2:7". */
  readonly label: string;
  readonly sent: number;
  /** Requests whose correct answer came back in time. */
  readonly answered: number;
  /** One round-trip time per answer, in milliseconds. */
  readonly roundTripsMs: readonly number[];
  /** Why the probe could not run as planned (the tool failed, a socket could not bind). */
  readonly problem?: string;
}
