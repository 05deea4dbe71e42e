/**
 * A congestion controller: owns cwnd and ssthresh in bytes; the sender tells it what happened.
 * Loss recovery (which segment to resend) stays in the sender; this decides only how much may be
 * in flight. NewReno (RFC 5681, RFC 6582) and CUBIC (RFC 9438) implement it.
 */
export interface CongestionControl {
  readonly name: CongestionControlName;
  /** Congestion window, bytes. */
  readonly cwnd: number;
  /** Slow-start threshold, bytes. */
  readonly ssthresh: number;
  /** New data was cumulatively acknowledged outside loss recovery. */
  onAck(ackedBytes: number, now: number, srttMs: number): void;
  /** Fast retransmit: entering loss recovery with `flightSize` bytes outstanding. */
  onEnterRecovery(flightSize: number, now: number): void;
  /** During recovery, a partial ACK acknowledged `ackedBytes` (RFC 6582 §3.2 step 3). */
  onPartialAck(ackedBytes: number): void;
  /** Loss recovery ended (the cumulative ACK passed the recovery point). */
  onExitRecovery(): void;
  /** The retransmission timer expired with `flightSize` bytes outstanding (RFC 5681 §3.1). */
  onRetransmissionTimeout(flightSize: number, now: number): void;
  /** The connection was idle longer than an RTO (RFC 5681 §4.1): restart from the initial window. */
  onIdleRestart(): void;
  /** A retransmission timeout proved spurious (RFC 4015): put back the windows saved before it. */
  undo(cwnd: number, ssthresh: number): void;
  /** The sender's MSS changed (path MTU); windows are kept in bytes. */
  setMss(mss: number): void;
}

export type CongestionControlName = "newreno" | "cubic";

/** RFC 6928: an initial window of 10 segments (Linux, Windows and gVisor all use it). */
export const INITIAL_WINDOW_SEGMENTS = 10;
