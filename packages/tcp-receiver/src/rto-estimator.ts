/** RFC 6298 §2.1: the retransmission timeout before any RTT sample. */
export const INITIAL_RTO_MS = 1000;
/**
 * The documented floor. RFC 6298 §2.4 says SHOULD round up to 1 s; like Linux (200 ms) and gVisor
 * (200 ms) we use a lower floor, since a 1 s stall after one loss on a sub-millisecond virtual
 * link would dominate every transfer (RFC 6298 §2.4 allows it: "may be lowered").
 */
export const MIN_RTO_MS = 200;
/** RFC 6298 §2.5: a maximum of at least 60 s may be placed on the RTO. */
export const MAX_RTO_MS = 120_000;
/** Clock granularity G of RFC 6298 §2: our clock is `performance.now()`, sub-millisecond. */
const CLOCK_GRANULARITY_MS = 1;

/**
 * The retransmission timer's arithmetic (RFC 6298 §2): smoothed RTT and its variation from
 * samples, and the current RTO with exponential backoff (§5.5). Karn's rule (§3: no samples from
 * retransmitted segments) is the sender's to follow when it chooses what to sample.
 */
export class RtoEstimator {
  /** Smoothed RTT in ms; 0 before the first sample. */
  srtt = 0;
  rttvar = 0;
  /** The lowest sample seen, in ms (for CUBIC's and the statistics' use). */
  minRtt = Number.POSITIVE_INFINITY;
  /** The most recent sample, in ms. */
  latestRtt = 0;
  /** The RTO without backoff, in ms. */
  baseRto = INITIAL_RTO_MS;
  /** Consecutive expiries since the last new ACK: the backoff exponent. */
  backoff = 0;
  hasSample = false;

  constructor(readonly minRto = MIN_RTO_MS) {}

  /** The current timeout in ms: the base RTO doubled per backoff step, capped at 120 s. */
  get rto(): number {
    return Math.min(this.baseRto * 2 ** this.backoff, MAX_RTO_MS);
  }

  /** Adds one RTT measurement, in ms (RFC 6298 §2.2–2.3; α = 1/8, β = 1/4). */
  addSample(rttMs: number): void {
    const rtt = Math.max(rttMs, 0);
    this.latestRtt = rtt;
    if (rtt < this.minRtt) this.minRtt = rtt;
    if (!this.hasSample) {
      this.srtt = rtt;
      this.rttvar = rtt / 2;
      this.hasSample = true;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
      this.srtt = 0.875 * this.srtt + 0.125 * rtt;
    }
    const rto = this.srtt + Math.max(CLOCK_GRANULARITY_MS, 4 * this.rttvar);
    this.baseRto = Math.min(Math.max(rto, this.minRto), MAX_RTO_MS);
  }

  /** RFC 6298 §5.5: the timer expired; double the timeout. */
  onTimeout(): void {
    if (this.rto < MAX_RTO_MS) this.backoff++;
  }

  /** An ACK for new data arrived: the backoff ends (RFC 6298 §5.7 and Karn's algorithm). */
  resetBackoff(): void {
    this.backoff = 0;
  }
}
