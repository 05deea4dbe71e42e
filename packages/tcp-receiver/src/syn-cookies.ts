import { createHmac } from "node:crypto";

/** MSS values a cookie can carry (3 bits); the peer's MSS is rounded down to one of them. */
const COOKIE_MSS = [536, 1220, 1300, 1440, 1460, 8940, 16344, 65495] as const;
/** A cookie's clock ticks every 64 s (as gVisor's and Linux's) and is accepted for 2 ticks more. */
const TICK_MS = 64_000;
const MAX_AGE_TICKS = 2;
/** Low bits of our TSval on a cookie SYN-ACK that carry the peer's window scale and SACK-permitted. */
const TIMESTAMP_OPTION_BITS = 5;
const NO_WINDOW_SCALE = 0xf;

/** What a valid cookie gives back. */
export interface SynCookieState {
  readonly mss: number;
}

/** Options carried in our TSval when the peer's SYN had timestamps (as Linux's cookie_init_timestamp). */
export interface CookieTimestampOptions {
  /** The peer's window-scale shift, or -1 when it sent none. */
  readonly windowScale: number;
  readonly sackPermitted: boolean;
}

/**
 * SYN cookies (RFC 4987 §3.6): under a SYN flood the listener answers with a SYN-ACK whose ISN
 * encodes what it must remember, and keeps no state until the handshake's ACK returns it.
 * Cookie layout: 5 bits of a 64-second clock, 3 bits of MSS index, and 24 bits of a keyed hash
 * (HMAC-SHA-256 under a random key) of the four-tuple, the peer's ISN and the clock. Window scale
 * and SACK-permitted ride in the low bits of our timestamp when the peer sent timestamps; without
 * them the connection runs without those options, as RFC 4987 describes.
 */
export class SynCookies {
  readonly #key: Buffer;

  constructor(random: () => number) {
    const key = Buffer.alloc(32);
    for (let i = 0; i < 8; i++) key.writeUInt32BE(random() >>> 0, i * 4);
    this.#key = key;
  }

  /** The ISN for a SYN-ACK answering a SYN with sequence number `peerIsn` and MSS `peerMss`. */
  make(tuple: Uint8Array, peerIsn: number, peerMss: number, nowMs: number): number {
    const tick = this.#tick(nowMs);
    let index = 0;
    while (index + 1 < COOKIE_MSS.length && COOKIE_MSS[index + 1]! <= peerMss) index++;
    return ((tick << 27) | (index << 24) | this.#hash(tuple, peerIsn, tick)) >>> 0;
  }

  /** The state a cookie returned in an ACK (`cookie` = SEG.ACK − 1) carries, or undefined if forged or stale. */
  check(
    tuple: Uint8Array,
    peerIsn: number,
    cookie: number,
    nowMs: number,
  ): SynCookieState | undefined {
    const tick = cookie >>> 27;
    const age = (this.#tick(nowMs) - tick) & 0x1f;
    if (age > MAX_AGE_TICKS) return undefined;
    if ((cookie & 0xffffff) !== this.#hash(tuple, peerIsn, tick)) return undefined;
    return { mss: COOKIE_MSS[(cookie >>> 24) & 0x7]! };
  }

  /**
   * Our TSval for a cookie SYN-ACK: the clock with its low bits replaced by the peer's options,
   * moved one step back if that put it ahead of the clock, so the connection's later TSvals
   * (the same clock) never go backwards for the peer's PAWS check.
   */
  static encodeTimestamp(clock: number, options: CookieTimestampOptions): number {
    const scale = options.windowScale < 0 ? NO_WINDOW_SCALE : Math.min(options.windowScale, 14);
    const low = (options.sackPermitted ? 0x10 : 0) | scale;
    const step = 1 << TIMESTAMP_OPTION_BITS;
    let value = ((clock >>> TIMESTAMP_OPTION_BITS) << TIMESTAMP_OPTION_BITS) | low;
    if (value >>> 0 > clock >>> 0) value -= step;
    return value >>> 0;
  }

  static decodeTimestamp(echo: number): CookieTimestampOptions {
    const scale = echo & 0xf;
    return {
      windowScale: scale === NO_WINDOW_SCALE ? -1 : scale,
      sackPermitted: (echo & 0x10) !== 0,
    };
  }

  #tick(nowMs: number): number {
    return Math.floor((performance.timeOrigin + nowMs) / TICK_MS) & 0x1f;
  }

  #hash(tuple: Uint8Array, peerIsn: number, tick: number): number {
    const extra = Buffer.allocUnsafe(5);
    extra.writeUInt32BE(peerIsn >>> 0, 0);
    extra[4] = tick;
    const digest = createHmac("sha256", this.#key).update(tuple).update(extra).digest();
    return digest.readUIntBE(0, 3);
  }
}
