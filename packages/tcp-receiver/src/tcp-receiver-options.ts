import type { CongestionControlName } from "./congestion-control.js";
import { TcpConfigurationError } from "./tcp-error.js";

/** Tuning of a `TcpTransportReceiver`. Every field is optional; defaults are in brackets. */
export interface TcpReceiverOptions {
  /**
   * Accept connections to any address and port, not only `endpoint` [false]: what tun2socks-style
   * proxies and VPN clients need. The original destination is the socket's `localAddress`/`localPort`.
   */
  readonly transparent?: boolean;
  /**
   * The link MTU (576–65535 for IPv4, 1280–65535 for IPv6), from which the MSS we advertise is
   * derived (MTU − 40 for IPv4, − 60 for IPv6)
   * [the transmitter's `maxPacketLength`].
   */
  readonly mtu?: number;
  /** Bytes a connection buffers for its application before its window closes [1 MiB]. */
  readonly receiveBufferSize?: number;
  /** Bytes a connection holds unacknowledged before `write()` returns false [1 MiB]. */
  readonly sendBufferSize?: number;
  /** ["cubic"] */
  readonly congestionControl?: CongestionControlName;
  /** Offer SACK (RFC 2018) [true]. */
  readonly sack?: boolean;
  /** Offer timestamps (RFC 7323) [true]. */
  readonly timestamps?: boolean;
  /** Offer window scaling (RFC 7323) [true]. */
  readonly windowScaling?: boolean;
  /** Connections (TIME-WAIT excluded) beyond which new SYNs are answered with RST [16384]. */
  readonly maxConnections?: number;
  /**
   * Half-open (SYN-RECEIVED) connections kept per receiver [1024]. Beyond it, SYNs are answered
   * with SYN cookies (RFC 4987 §3.6) when `synCookies` is on, and dropped otherwise.
   */
  readonly synBacklog?: number;
  /** Answer SYNs beyond the backlog with SYN cookies [true]. */
  readonly synCookies?: boolean;
  /** How long TIME-WAIT lasts, in ms: 2·MSL with MSL = 30 s, as gVisor [60000]. */
  readonly timeWaitMs?: number;
  /** SYN retransmissions before an active open fails with ETIMEDOUT [6: 1+2+…+64 s ≈ 127 s]. */
  readonly synRetries?: number;
  /** Data retransmissions before a connection fails with ETIMEDOUT [15, as gVisor]. */
  readonly maxRetransmissions?: number;
  /** How long an ACK for a lone segment may wait, in ms (RFC 9293 MUST-40: < 500) [40]. */
  readonly delayedAckMs?: number;
  /** Keepalive probe interval and count once the idle time passed (RFC 1122 §4.2.3.6) [75000, 9]. */
  readonly keepaliveIntervalMs?: number;
  readonly keepaliveProbes?: number;
  /** The floor of the retransmission timeout, in ms [200]. */
  readonly minRtoMs?: number;
  /** Challenge ACKs sent per second at most, over all connections (RFC 5961 §7) [1000]. */
  readonly challengeAckLimit?: number;
}

export interface ResolvedTcpOptions {
  readonly transparent: boolean;
  readonly mtu: number;
  readonly receiveBufferSize: number;
  readonly sendBufferSize: number;
  readonly congestionControl: CongestionControlName;
  readonly sack: boolean;
  readonly timestamps: boolean;
  readonly windowScaling: boolean;
  readonly maxConnections: number;
  readonly synBacklog: number;
  readonly synCookies: boolean;
  readonly timeWaitMs: number;
  readonly synRetries: number;
  readonly maxRetransmissions: number;
  readonly delayedAckMs: number;
  readonly keepaliveIntervalMs: number;
  readonly keepaliveProbes: number;
  readonly minRtoMs: number;
  readonly challengeAckLimit: number;
}

function integer(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TcpConfigurationError(
      "INVALID_ARGUMENT",
      `options.${name} must be an integer from ${min} to ${max}, not ${String(value)}`,
    );
  }
  return value;
}

export function resolveTcpOptions(
  options: TcpReceiverOptions | undefined,
  transmitterMaxPacket: number,
  family: 4 | 6,
): ResolvedTcpOptions {
  const minimumMtu = family === 6 ? 1280 : 576;
  const o = options ?? {};
  const cc = o.congestionControl ?? "cubic";
  if (cc !== "cubic" && cc !== "newreno") {
    throw new TcpConfigurationError(
      "INVALID_ARGUMENT",
      `options.congestionControl must be "cubic" or "newreno", not ${JSON.stringify(cc)}`,
    );
  }
  return {
    transparent: o.transparent === true,
    // RFC 791: every IPv4 host takes 576-byte datagrams; RFC 8200 §5: IPv6 links carry 1280.
    mtu: integer(
      "mtu",
      o.mtu,
      Math.min(Math.max(transmitterMaxPacket, minimumMtu), 65535),
      minimumMtu,
      65535,
    ),
    receiveBufferSize: integer("receiveBufferSize", o.receiveBufferSize, 1 << 20, 4096, 1 << 30),
    sendBufferSize: integer("sendBufferSize", o.sendBufferSize, 1 << 20, 4096, 1 << 30),
    congestionControl: cc,
    sack: o.sack ?? true,
    timestamps: o.timestamps ?? true,
    windowScaling: o.windowScaling ?? true,
    maxConnections: integer("maxConnections", o.maxConnections, 16384, 1, 1 << 24),
    synBacklog: integer("synBacklog", o.synBacklog, 1024, 1, 1 << 20),
    synCookies: o.synCookies ?? true,
    timeWaitMs: integer("timeWaitMs", o.timeWaitMs, 60_000, 0, 600_000),
    synRetries: integer("synRetries", o.synRetries, 6, 0, 20),
    maxRetransmissions: integer("maxRetransmissions", o.maxRetransmissions, 15, 1, 50),
    delayedAckMs: integer("delayedAckMs", o.delayedAckMs, 40, 0, 499),
    keepaliveIntervalMs: integer(
      "keepaliveIntervalMs",
      o.keepaliveIntervalMs,
      75_000,
      1,
      7_200_000,
    ),
    keepaliveProbes: integer("keepaliveProbes", o.keepaliveProbes, 9, 1, 100),
    minRtoMs: integer("minRtoMs", o.minRtoMs, 200, 1, 1000),
    challengeAckLimit: integer("challengeAckLimit", o.challengeAckLimit, 1000, 1, 1_000_000),
  };
}
