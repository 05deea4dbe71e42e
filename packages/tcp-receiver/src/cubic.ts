import { type CongestionControl, INITIAL_WINDOW_SEGMENTS } from "./congestion-control.js";

/** RFC 9438 §4.1: the scaling constant C (segments per second cubed) and β_cubic. */
const C = 0.4;
const BETA = 0.7;

/**
 * CUBIC (RFC 9438): W_cubic(t) = C·(t − K)³ + W_max in segments, with t in seconds since the
 * last congestion event; the Reno-friendly estimate of §4.3 as a floor; fast convergence (§4.7);
 * slow start as Reno's below ssthresh. Windows are kept in bytes outside.
 */
export class Cubic implements CongestionControl {
  readonly name = "cubic" as const;
  cwnd: number;
  ssthresh = Number.MAX_SAFE_INTEGER;
  #mss: number;
  /** W_max in segments: the window just before the last reduction. */
  #wMax = 0;
  /** K in seconds (RFC 9438 eq. 2). */
  #k = 0;
  /** When the current congestion-avoidance epoch began (ms), or -1 before it starts. */
  #epochStart = -1;
  /** W_est, the Reno-friendly window in segments (RFC 9438 §4.3). */
  #wEst = 0;

  constructor(mss: number) {
    this.#mss = mss;
    this.cwnd = INITIAL_WINDOW_SEGMENTS * mss;
  }

  setMss(mss: number): void {
    this.#mss = mss;
  }

  onAck(ackedBytes: number, now: number, srttMs: number): void {
    const mss = this.#mss;
    if (this.cwnd < this.ssthresh) {
      this.cwnd += Math.min(ackedBytes, 2 * mss);
      return;
    }
    const cwndSegments = this.cwnd / mss;
    if (this.#epochStart < 0) {
      this.#epochStart = now;
      this.#wEst = cwndSegments;
      if (this.#wMax <= cwndSegments) {
        // No reduction to recover from (first epoch after slow start): K = 0, W_max = cwnd.
        this.#wMax = cwndSegments;
        this.#k = 0;
      } else {
        this.#k = Math.cbrt((this.#wMax - cwndSegments) / C);
      }
    }
    const rtt = Math.max(srttMs, 1) / 1000;
    // RFC 9438 §4.2: the target is W_cubic(t + RTT), clamped to [cwnd, 1.5·cwnd].
    const t = (now - this.#epochStart) / 1000 + rtt;
    const cubicTarget = C * (t - this.#k) ** 3 + this.#wMax;
    const target = Math.min(Math.max(cubicTarget, cwndSegments), 1.5 * cwndSegments);
    // RFC 9438 §4.3 eq. 4: W_est grows by α_cubic per RTT's worth of acknowledged segments.
    const alpha = (3 * (1 - BETA)) / (1 + BETA);
    this.#wEst += (alpha * (ackedBytes / mss)) / cwndSegments;
    let next: number;
    if (cubicTarget < this.#wEst) {
      next = this.#wEst; // Reno-friendly region
    } else {
      next = cwndSegments + ((target - cwndSegments) / cwndSegments) * (ackedBytes / mss);
    }
    this.cwnd = Math.max(Math.floor(next * mss), this.cwnd);
  }

  #reduce(flightSize: number): void {
    const mss = this.#mss;
    const cwndSegments = Math.max(this.cwnd, flightSize) / mss;
    // RFC 9438 §4.7 fast convergence: release bandwidth faster when W_max keeps shrinking.
    this.#wMax = cwndSegments < this.#wMax ? (cwndSegments * (1 + BETA)) / 2 : cwndSegments;
    this.ssthresh = Math.max(Math.floor(cwndSegments * BETA * mss), 2 * mss);
    this.#epochStart = -1;
  }

  onEnterRecovery(flightSize: number): void {
    this.#reduce(flightSize);
    this.cwnd = this.ssthresh;
  }

  onPartialAck(ackedBytes: number): void {
    const mss = this.#mss;
    this.cwnd = Math.max(this.cwnd - ackedBytes + (ackedBytes >= mss ? mss : 0), mss);
  }

  onExitRecovery(): void {
    this.cwnd = Math.max(this.ssthresh, 2 * this.#mss);
  }

  onRetransmissionTimeout(flightSize: number): void {
    this.#reduce(flightSize);
    this.cwnd = this.#mss;
  }

  undo(cwnd: number, ssthresh: number): void {
    this.cwnd = cwnd;
    this.ssthresh = ssthresh;
    this.#epochStart = -1;
  }

  onIdleRestart(): void {
    this.cwnd = Math.min(this.cwnd, INITIAL_WINDOW_SEGMENTS * this.#mss);
    this.#epochStart = -1;
  }
}
