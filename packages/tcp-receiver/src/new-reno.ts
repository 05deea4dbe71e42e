import { type CongestionControl, INITIAL_WINDOW_SEGMENTS } from "./congestion-control.js";

/**
 * Reno's window arithmetic (RFC 5681 §3) with NewReno's partial-ACK deflation (RFC 6582 §3.2):
 * slow start below ssthresh, one MSS per RTT above it (appropriate byte counting, RFC 3465, with
 * L = 2 in slow start), halve on loss, one MSS after a timeout.
 */
export class NewReno implements CongestionControl {
  readonly name = "newreno" as const;
  cwnd: number;
  ssthresh = Number.MAX_SAFE_INTEGER;
  #mss: number;
  /** Bytes acknowledged in congestion avoidance since cwnd last grew. */
  #ackedInAvoidance = 0;

  constructor(mss: number) {
    this.#mss = mss;
    this.cwnd = INITIAL_WINDOW_SEGMENTS * mss;
  }

  get mss(): number {
    return this.#mss;
  }

  setMss(mss: number): void {
    this.#mss = mss;
  }

  onAck(ackedBytes: number): void {
    if (this.cwnd < this.ssthresh) {
      // RFC 3465 §2.2: in slow start, grow by the bytes acknowledged, at most 2·SMSS per ACK.
      this.cwnd += Math.min(ackedBytes, 2 * this.#mss);
      return;
    }
    // RFC 5681 §3.1, eq. 3 with byte counting: one SMSS per cwnd of acknowledged data.
    this.#ackedInAvoidance += ackedBytes;
    if (this.#ackedInAvoidance >= this.cwnd) {
      this.#ackedInAvoidance -= this.cwnd;
      this.cwnd += this.#mss;
    }
  }

  onEnterRecovery(flightSize: number): void {
    // RFC 5681 §3.2 step 2 (eq. 4) and RFC 6675 §5 step 4.2: ssthresh = cwnd = FlightSize / 2.
    this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.#mss);
    this.cwnd = this.ssthresh;
    this.#ackedInAvoidance = 0;
  }

  onPartialAck(ackedBytes: number): void {
    // RFC 6582 §3.2 step 3: deflate by the amount acknowledged, add back one SMSS if that was ≥ SMSS.
    this.cwnd = Math.max(
      this.cwnd - ackedBytes + (ackedBytes >= this.#mss ? this.#mss : 0),
      this.#mss,
    );
  }

  onExitRecovery(): void {
    this.cwnd = Math.max(this.ssthresh, 2 * this.#mss);
  }

  onRetransmissionTimeout(flightSize: number): void {
    // RFC 5681 §3.1 eq. 4, then cwnd = loss window = 1 SMSS.
    this.ssthresh = Math.max(Math.floor(flightSize / 2), 2 * this.#mss);
    this.cwnd = this.#mss;
    this.#ackedInAvoidance = 0;
  }

  undo(cwnd: number, ssthresh: number): void {
    this.cwnd = cwnd;
    this.ssthresh = ssthresh;
  }

  onIdleRestart(): void {
    this.cwnd = Math.min(this.cwnd, INITIAL_WINDOW_SEGMENTS * this.#mss);
  }
}
