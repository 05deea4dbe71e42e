import { createHmac } from "node:crypto";

/**
 * RFC 6528 §3 (folded into RFC 9293 §3.4.1, MUST-8/MUST-9) initial sequence numbers:
 * ISN = M + F(local address, local port, remote address, remote port, secret key), where M ticks
 * every 4 µs and F is a keyed hash that cannot be computed from outside. The key comes from the
 * transmitter's `randomSequenceNumber()` (a cryptographic source) when the receiver starts.
 */
export class InitialSequenceNumbers {
  readonly #key: Buffer;

  constructor(random: () => number) {
    const key = Buffer.alloc(16);
    for (let i = 0; i < 4; i++) key.writeUInt32BE(random() >>> 0, i * 4);
    this.#key = key;
  }

  /** `tuple` is the four-tuple's bytes in any fixed order; `nowMs` the `performance.now()` clock. */
  next(tuple: Uint8Array, nowMs: number): number {
    const digest = createHmac("sha256", this.#key).update(tuple).digest();
    const ticks = Math.floor((performance.timeOrigin + nowMs) * 250); // 4 µs ticks
    return (digest.readUInt32BE(0) + ticks) >>> 0;
  }
}
