import { seqAdd, seqDiff, seqGt, seqGte, seqLt, seqLte, TcpFlags } from "@magma/packets";
import type { CongestionControl, CongestionControlName } from "./congestion-control.js";
import { Cubic } from "./cubic.js";
import type { IncomingSegment } from "./incoming-segment.js";
import type { IpAddress } from "./ip-address.js";
import { NewReno } from "./new-reno.js";
import { ReceiveReassembly } from "./receive-reassembly.js";
import { INITIAL_RTO_MS, RtoEstimator } from "./rto-estimator.js";
import { SackScoreboard } from "./sack-scoreboard.js";
import { OutgoingOptions, SegmentWriter } from "./segment-writer.js";
import { SendBuffer } from "./send-buffer.js";
import { type TcpErrorCode, TcpSocketError } from "./tcp-error.js";
import type { TcpHost } from "./tcp-host.js";
import type { TcpConnectionInfo } from "./tcp-info.js";
import { isSynchronized, TcpState, type TcpStateValue, tcpStateName } from "./tcp-state.js";
import type { TimerEntry } from "./timer-queue.js";

/** What a SYN cookie and the timestamp echo of its ACK restore (see `SynCookies`). */
export interface SynCookieConnection {
  readonly mss: number;
  /** The peer's window-scale shift, or -1 for none. */
  readonly windowScale: number;
  readonly sackPermitted: boolean;
  readonly timestamps: boolean;
}

/** The socket side of a connection: what the connection calls on it. */
export interface ConnectionSocket {
  /** Bytes the application has not read yet. */
  readonly readableLength: number;
  deliver(chunk: Buffer): void;
  deliverEnd(): void;
  connected(): void;
  fail(error: Error): void;
  idleTimeout(): void;
}

/** RFC 9293 §3.7.1 MUST-15: the send MSS without an MSS option. */
const DEFAULT_MSS_V4 = 536;
const DEFAULT_MSS_V6 = 1220;
/** RFC 7323 §2.3: the largest window-scale shift. */
const MAX_WINDOW_SCALE = 14;
const TIMESTAMP_OPTION_BYTES = 12;
const NEVER = Number.POSITIVE_INFINITY;
/** RFC 8985 §7.2 WCDelAckT: the peer's worst-case delayed-ACK time. */
const WORST_CASE_DELAYED_ACK_MS = 200;
/** Probes before the retransmission timer takes over (each waits twice as long). */
const MAX_PROBES = 3;
/** The probe timeout's floor, as Linux's TCP_TIMEOUT_MIN for TLP. */
const MIN_PROBE_TIMEOUT_MS = 4;
/** After a transmitter buffer shortage, try again this soon (ms). */
const OUTPUT_RETRY_MS = 1;

type CallbackWithError = (error?: Error | null) => void;

/**
 * One TCP connection: the state machine of RFC 9293 §3.10 with segment arrival processed in the
 * RFC's order (§3.10.7), its sender (windows, retransmission per RFC 6298, loss recovery per
 * RFC 6582 NewReno or RFC 6675 SACK, congestion control behind `CongestionControl`) and its
 * receiver (reassembly, SACK blocks, a window tied to the socket's unread bytes). Everything
 * happens on the receiver's thread; output is gathered and sent once per batch (`output()`).
 */
export class TcpConnection implements TimerEntry {
  // Timer-queue and connection-table bookkeeping, owned by the receiver.
  timerIndex = -1;
  timerDeadline = 0;
  tableHash = 0;
  nextInBucket: TcpConnection | undefined = undefined;
  /** Set while queued for output by the host. */
  outputQueued = false;
  /** A passive open not yet ESTABLISHED, counted against the SYN backlog. */
  inSynBacklog = false;

  state: TcpStateValue;
  readonly local: IpAddress;
  readonly localPort: number;
  readonly remote: IpAddress;
  readonly remotePort: number;
  /** Opened by a SYN from the peer (a listener) rather than by `connect()`. */
  readonly passive: boolean;
  socket: ConnectionSocket | undefined;
  /** The application gave the socket up (destroyed it); the connection finishes on its own. */
  #orphaned = false;

  readonly #host: TcpHost;
  readonly #writer: SegmentWriter;
  readonly #out = new OutgoingOptions();
  readonly #ipHeaderLength: number;
  /** The MSS we advertise: the MTU less the IP and TCP headers (RFC 9293 §3.7.1). */
  readonly #ourMss: number;
  /** The path MTU: the link's, lowered by ICMP (RFC 1191, RFC 8201). */
  #pathMtu: number;
  /** The last ICMP soft error (RFC 1122 §4.2.3.9), reported if the connection then times out. */
  #softError: "EHOSTUNREACH" | undefined = undefined;

  // Receive side (RFC 9293 §3.3.1).
  #irs = 0;
  #rcvNxt = 0;
  /** RCV.NXT + RCV.WND as last advertised: never moved left (RFC 9293 SHLD-14). */
  #rcvRight = 0;
  /** Our window-scale shift, once negotiated; 0 otherwise. */
  #rcvScale = 0;
  /** The shift we offer in our SYN. */
  readonly #offeredScale: number;
  readonly #reassembly = new ReceiveReassembly();
  /** Sequence number of a FIN that arrived beyond a hole, or -1. */
  #pendingFinSeq = -1;
  #undelivered: Buffer[] = [];
  #undeliveredBytes = 0;
  #endPending = false;
  #connectPending = false;
  #finReceived = false;
  /** In-order bytes received since our last ACK. */
  #unackedBytes = 0;
  #ackNow = false;
  #windowCheckPending = false;
  /** RCV.NXT in the last ACK sent (RFC 7323's Last.ACK.sent). */
  #lastAckSent = 0;
  bytesRead = 0;

  // Options (RFC 7323, RFC 2018).
  #tsEnabled = false;
  #tsRecent = 0;
  readonly #tsOffset: number;
  #sackEnabled = false;
  #sndScale = 0;
  #peerOfferedScale = false;
  #peerMss: number;

  // Send side (RFC 9293 §3.3.1), positions counted from the ISS (the SYN is position 0).
  #iss = 0;
  #sndUna = 0;
  #sndNxt = 0;
  /** The highest sequence number sent so far (SND.MAX). */
  #sndMax = 0;
  #sndWnd = 0;
  #maxSndWnd = 0;
  #sndWl1 = 0;
  #sndWl2 = 0;
  /** Position of SND.UNA (positions do not wrap). */
  #unaPosition = 0;
  readonly #sendBuffer = new SendBuffer();
  #finQueued = false;
  #finSent = false;
  /** Position of our FIN once queued (data end + 1). */
  #finPosition = -1;
  #noDelay: boolean;
  /** Write callbacks waiting for send-buffer room. */
  #blockedWrites: CallbackWithError[] = [];
  bytesWritten = 0;

  readonly rto: RtoEstimator;
  cc: CongestionControl;
  readonly #scoreboard = new SackScoreboard();
  #inRecovery = false;
  #recoverPosition = 0;
  #dupAcks = 0;
  /** Next position loss recovery may retransmit from (RFC 6675 HighRxt). */
  #highRxt = 0;
  #retransmitUnaPending = false;
  /** Retransmissions in SACK recovery: [start, end, SND.MAX position when sent] per entry. */
  readonly #retransmitRecords: number[] = [];
  /** Starts of retransmissions found lost, to be resent. */
  readonly #lostRetransmits: number[] = [];
  /** Karn timing without timestamps: sequence end of the timed segment, and when it left. */
  #rttSeq = -1;
  #rttSentAt = 0;
  #retransmissions = 0;
  /**
   * Saved at a retransmission timeout, for RFC 3522 / RFC 4015 (Eifel): our TSval then, the
   * windows and SND.NXT before it. Cleared by the first ACK that advances SND.UNA afterwards.
   */
  #undoTimestamp = -1;

  #undoCwnd = 0;
  #undoSsthresh = 0;
  #undoSndNxt = 0;
  totalRetransmissions = 0;

  // Deadlines (ms, performance.now() clock); NEVER when off.
  #rtoAt = NEVER;
  /** RFC 8985 §7 tail loss probe timeout (PTO). */
  #probeAt = NEVER;
  /** Probes sent since an ACK last advanced SND.UNA; past MAX_PROBES the RTO takes over. */
  #probesSinceAck = 0;
  #persistAt = NEVER;
  #delayedAckAt = NEVER;
  #keepaliveAt = NEVER;
  #closeAt = NEVER;
  #idleAt = NEVER;
  #retryOutputAt = NEVER;
  #lastReceivedAt = 0;
  #keepaliveIdleMs = 0;
  #keepaliveProbesSent = 0;
  #idleTimeoutMs = 0;
  #lastActivityAt = 0;

  constructor(
    host: TcpHost,
    local: IpAddress,
    localPort: number,
    remote: IpAddress,
    remotePort: number,
    passive: boolean,
    iss: number,
    tsOffset: number,
    noDelay: boolean,
  ) {
    this.#host = host;
    this.local = local;
    this.localPort = localPort;
    this.remote = remote;
    this.remotePort = remotePort;
    this.passive = passive;
    this.#writer = new SegmentWriter(local, remote, localPort, remotePort);
    this.#ipHeaderLength = this.#writer.ipHeaderLength;
    const options = host.options;
    this.#ourMss = options.mtu - this.#ipHeaderLength - 20;
    this.#pathMtu = options.mtu;
    this.#peerMss = local.family === 4 ? DEFAULT_MSS_V4 : DEFAULT_MSS_V6;
    this.#offeredScale = options.windowScaling ? windowScaleFor(options.receiveBufferSize) : 0;
    this.#tsOffset = tsOffset;
    this.#noDelay = noDelay;
    this.#iss = iss;
    this.#sndUna = iss;
    this.#sndNxt = iss;
    this.#sndMax = iss;
    this.rto = new RtoEstimator(options.minRtoMs);
    this.cc = createCongestionControl(options.congestionControl, this.#sendMss());
    this.state = passive ? TcpState.synReceived : TcpState.synSent;
    this.#lastReceivedAt = host.now();
  }

  // ---------------------------------------------------------------- opening

  /** Active open (RFC 9293 §3.10.1): send our SYN. */
  openActive(): void {
    this.#host.stats.activeOpens++;
    this.#sendSyn(false);
    this.#startRetransmissionTimer(this.#host.now());
    this.#reschedule();
  }

  /** Passive open from a SYN in LISTEN (RFC 9293 §3.10.7.2): answer with SYN-ACK. */
  openPassive(syn: IncomingSegment): void {
    this.#host.stats.passiveOpens++;
    this.#irs = syn.seq;
    this.#rcvNxt = seqAdd(syn.seq, 1);
    this.#lastAckSent = this.#rcvNxt;
    this.#negotiate(syn);
    this.#updateSendWindow(syn);
    this.#sendSyn(true);
    this.#startRetransmissionTimer(this.#host.now());
    this.#reschedule();
  }

  /**
   * The handshake's ACK returned a valid SYN cookie (RFC 4987 §3.6): no SYN-RECEIVED state was
   * kept, so the connection starts in ESTABLISHED with what the cookie carried.
   */
  openFromCookie(ack: IncomingSegment, cookie: SynCookieConnection): void {
    const ours = this.#host.options;
    this.#host.stats.passiveOpens++;
    this.#irs = seqAdd(ack.seq, -1);
    this.#rcvNxt = ack.seq;
    this.#lastAckSent = this.#rcvNxt;
    this.#peerMss = cookie.mss;
    this.#peerOfferedScale = cookie.windowScale >= 0;
    if (ours.windowScaling && cookie.windowScale >= 0) {
      this.#sndScale = Math.min(cookie.windowScale, MAX_WINDOW_SCALE);
      this.#rcvScale = this.#offeredScale;
    }
    this.#sackEnabled = ours.sack && cookie.sackPermitted;
    const ts = ack.options.timestampValue;
    if (ours.timestamps && cookie.timestamps && ts !== undefined) {
      this.#tsEnabled = true;
      this.#tsRecent = ts;
    }
    this.cc = createCongestionControl(ours.congestionControl, this.#sendMss());
    // Our SYN (the cookie) is what this ACK acknowledges; the SYN-ACK offered an unscaled window.
    this.#sndUna = ack.ack;
    this.#sndNxt = ack.ack;
    this.#sndMax = ack.ack;
    this.#unaPosition = 1;
    this.#rcvRight = seqAdd(this.#rcvNxt, Math.min(ours.receiveBufferSize, 0xffff));
    this.#sndWnd = ack.window << this.#sndScale;
    this.#maxSndWnd = this.#sndWnd;
    this.#sndWl1 = ack.seq;
    this.#sndWl2 = ack.ack;
    this.state = TcpState.established;
    this.#host.connectionEstablished(this);
  }

  /** Reads the options of the peer's SYN and fixes what both sides use (RFC 7323, RFC 2018). */
  #negotiate(syn: IncomingSegment): void {
    const options = syn.options;
    const ours = this.#host.options;
    if (options.maximumSegmentSize !== undefined && options.maximumSegmentSize > 0) {
      this.#peerMss = Math.max(options.maximumSegmentSize, 64);
    }
    this.#peerOfferedScale = options.windowScale !== undefined;
    if (ours.windowScaling && options.windowScale !== undefined) {
      this.#sndScale = Math.min(options.windowScale, MAX_WINDOW_SCALE);
      this.#rcvScale = this.#offeredScale;
    } else {
      this.#sndScale = 0;
      this.#rcvScale = 0;
    }
    this.#sackEnabled = ours.sack && options.sackPermitted;
    if (ours.timestamps && options.timestampValue !== undefined) {
      this.#tsEnabled = true;
      this.#tsRecent = options.timestampValue;
    } else {
      this.#tsEnabled = false;
    }
    // The initial window follows the negotiated MSS (RFC 6928).
    this.cc = createCongestionControl(ours.congestionControl, this.#sendMss());
  }

  // ---------------------------------------------------------------- the application's calls

  /** Queues data from the socket's `_write`/`_writev`; `callback` runs once it is buffered. */
  write(chunks: readonly Buffer[], callback: CallbackWithError): void {
    if (this.isClosed || this.#finQueued) {
      callback(new TcpSocketError("EPIPE", "write"));
      return;
    }
    for (const chunk of chunks) {
      this.#sendBuffer.append(chunk);
      this.bytesWritten += chunk.length;
    }
    this.#noteActivity();
    if (this.#sendBuffer.length <= this.#host.options.sendBufferSize) callback();
    else this.#blockedWrites.push(callback);
    if (isSynchronized(this.state)) this.#host.requestOutput(this);
  }

  /** The application ended its side (`end()`): queue our FIN after the data (RFC 9293 §3.10.4). */
  shutdownWrite(): void {
    if (this.#finQueued || this.isClosed) return;
    // In SYN-SENT and SYN-RECEIVED the FIN waits for ESTABLISHED (RFC 9293 §3.10.4), after any
    // data written meanwhile, as `net.Socket.end()` while connecting does.
    this.#finQueued = true;
    this.#finPosition = this.#sendBuffer.end + 1;
    // The state changes when the FIN is queued, not when it is sent (a FIN stuck behind a full
    // window must still move the connection on).
    if (this.state === TcpState.established) this.state = TcpState.finWait1;
    else if (this.state === TcpState.closeWait) this.state = TcpState.lastAck;
    this.#host.requestOutput(this);
  }

  /**
   * The application wants to read (the stream called `_read`). Node calls it before it takes the
   * buffered data out, so the window is checked at output time, once the data has gone.
   */
  applicationRead(): void {
    if (!isSynchronized(this.state) || this.#finReceived) return;
    this.#windowCheckPending = true;
    this.#host.requestOutput(this);
    this.#noteActivity();
  }

  /** Reopen a window that had become small: Linux's rule (tcp_cleanup_rbuf), ≥ double and ≥ 1 MSS. */
  #checkWindowUpdate(): void {
    this.#windowCheckPending = false;
    if (!isSynchronized(this.state) || this.#finReceived) return;
    const advertised = Math.max(seqDiff(this.#rcvRight, this.#rcvNxt), 0);
    // Without window scaling the field cannot say more than 65535: never "update" past that.
    const available = Math.min(this.#receiveSpace(), 0xffff << this.#rcvScale);
    if (available >= 2 * advertised && available - advertised >= this.#ourMss) this.#ackNow = true;
  }

  /** The socket was destroyed by its application (`destroy()`), with `hadUnread` bytes unread. */
  socketDestroyed(): void {
    if (this.#orphaned) return;
    this.#orphaned = true;
    const unread = (this.socket?.readableLength ?? 0) + this.#undeliveredBytes;
    this.socket = undefined;
    if (this.isClosed || this.state === TcpState.timeWait) return;
    if (this.state === TcpState.synSent) {
      this.#close();
      return;
    }
    // RFC 9293 §3.10.4 with RFC 2525 §2.17: closing with unread data resets the connection.
    if (unread > 0 || this.#reassembly.bytes > 0) {
      this.abort();
      return;
    }
    this.shutdownWrite();
    if (this.state === TcpState.finWait2) this.#armOrphanLinger();
  }

  /** The receiver is closing: reset the connection and fail its socket with ECONNABORTED. */
  abortForShutdown(): void {
    const socket = this.socket;
    this.abort();
    socket?.fail(new TcpSocketError("ECONNABORTED", "read", "the TCP receiver was closed"));
  }

  /** Sends a RST and closes at once (`resetAndDestroy()`, or a close with unread data). */
  abort(): void {
    if (this.isClosed) return;
    if (isSynchronized(this.state) || this.state === TcpState.synReceived) {
      this.#sendControl(TcpFlags.rst | TcpFlags.ack, this.#sndNxt, false);
      this.#host.stats.resetsSent++;
    }
    this.#close();
  }

  setNoDelay(noDelay: boolean): void {
    this.#noDelay = noDelay;
    if (noDelay) this.#host.requestOutput(this);
  }

  /** RFC 9293 §3.8.4: probes after `idleMs` of silence, every `keepaliveIntervalMs`; 0 turns it off. */
  setKeepAlive(enable: boolean, idleMs: number): void {
    this.#keepaliveIdleMs = enable ? Math.max(idleMs, 1000) : 0;
    this.#keepaliveProbesSent = 0;
    this.#keepaliveAt = enable ? this.#host.now() + this.#keepaliveIdleMs : NEVER;
    this.#reschedule();
  }

  /** The socket's idle timeout (`setTimeout`); 0 turns it off. */
  setIdleTimeout(ms: number): void {
    this.#idleTimeoutMs = ms;
    const now = this.#host.now();
    this.#lastActivityAt = now;
    this.#idleAt = ms > 0 ? now + ms : NEVER;
    this.#reschedule();
  }

  #noteActivity(): void {
    if (this.#idleTimeoutMs === 0) return;
    this.#lastActivityAt = this.#host.now();
    if (this.#idleAt === NEVER) {
      this.#idleAt = this.#lastActivityAt + this.#idleTimeoutMs;
      this.#reschedule();
    }
  }

  // ---------------------------------------------------------------- segment arrival

  /** Processes one segment for this connection (RFC 9293 §3.10.7.3 and §3.10.7.4). */
  onSegment(seg: IncomingSegment, now: number): void {
    this.#lastReceivedAt = now;
    this.#keepaliveProbesSent = 0;
    if (this.state === TcpState.synSent) {
      this.#onSegmentInSynSent(seg, now);
    } else {
      this.#onSegmentSynchronized(seg, now);
    }
    if (!this.isClosed) {
      this.#host.requestOutput(this);
      this.#reschedule();
    }
  }

  /** RFC 9293 §3.10.7.3: SYN-SENT. */
  #onSegmentInSynSent(seg: IncomingSegment, now: number): void {
    const ackAcceptable = seg.hasAck && seqGt(seg.ack, this.#iss) && seqLte(seg.ack, this.#sndMax);
    // First, check the ACK bit.
    if (seg.hasAck && !ackAcceptable) {
      if (!seg.rst) this.#sendReset(seg.ack);
      return;
    }
    // Second, the RST bit (RFC 5961 §3.2 leaves SYN-SENT to the ACK check above).
    if (seg.rst) {
      if (ackAcceptable) this.#fail("ECONNREFUSED", "connect");
      return;
    }
    // Fourth, the SYN bit.
    if (!seg.syn) return;
    this.#irs = seg.seq;
    this.#rcvNxt = seqAdd(seg.seq, 1);
    this.#negotiate(seg);
    if (ackAcceptable) {
      this.#acknowledgeSyn(seg, now);
      this.state = TcpState.established;
      // RFC 9293 §3.10.7.3: SND.WND from the SYN-ACK (never scaled, RFC 7323 §2.2), WL1/WL2 set.
      this.#sndWnd = seg.window;
      this.#maxSndWnd = Math.max(this.#maxSndWnd, seg.window);
      this.#sndWl1 = seg.seq;
      this.#sndWl2 = seg.ack;
      this.#ackNow = true;
      this.#connectPending = true;
      if (this.#finQueued) this.state = TcpState.finWait1;
      this.#acceptText(seg);
      return;
    }
    // Simultaneous open (RFC 9293 §3.5, MUST-10): SYN-RECEIVED, and send SYN-ACK.
    this.state = TcpState.synReceived;
    this.#sendSyn(true);
  }

  /** Our SYN was acknowledged: SND.UNA moves past it; the handshake gives a first RTT sample. */
  #acknowledgeSyn(seg: IncomingSegment, now: number): void {
    this.#sndUna = seqAdd(this.#iss, 1);
    this.#unaPosition = 1;
    if (seqLt(this.#sndNxt, this.#sndUna)) this.#sndNxt = this.#sndUna;
    if (this.#retransmissions === 0) this.#sampleRtt(seg, now);
    this.#retransmissions = 0;
    this.rto.resetBackoff();
    this.#rtoAt = NEVER;
  }

  /** RFC 9293 §3.10.7.4: every state from SYN-RECEIVED on. */
  #onSegmentSynchronized(seg: IncomingSegment, now: number): void {
    const stats = this.#host.stats;
    const payloadLength = seg.payloadLength;
    // RFC 7323 §5.3 PAWS, before the sequence check: drop (and ACK) an old duplicate.
    if (
      this.#tsEnabled &&
      !seg.rst &&
      seg.options.timestampValue !== undefined &&
      seqLt(seg.options.timestampValue, this.#tsRecent)
    ) {
      stats.pawsDrops++;
      this.#ackNow = true;
      return;
    }
    // First, check the sequence number.
    const window = Math.max(seqDiff(this.#rcvRight, this.#rcvNxt), 0);
    if (!this.#acceptable(seg, window)) {
      stats.outOfWindowDrops++;
      if (!seg.rst) {
        this.#ackNow = true;
        if (this.state === TcpState.timeWait && seg.fin) this.#restartTimeWait();
      }
      // RFC 9293: with a zero window, still process a valid ACK (and RST) of an empty-window segment.
      if (!(window === 0 && seg.seq === this.#rcvNxt && seg.hasAck) || seg.rst) return;
    }
    // Second, check the RST bit (RFC 5961 §3.2: exactly RCV.NXT resets, else challenge).
    if (seg.rst) {
      if (seg.seq !== this.#rcvNxt) {
        this.#challengeAck();
        return;
      }
      this.#onReset();
      return;
    }
    // Fourth, check the SYN bit (RFC 5961 §4: any SYN here draws a challenge ACK).
    if (seg.syn) {
      if (this.state === TcpState.synReceived && this.passive && seg.seq === this.#irs) {
        this.#sendSyn(true); // a retransmitted SYN: our SYN-ACK was lost
        return;
      }
      this.#challengeAck();
      return;
    }
    // Fifth, check the ACK field.
    if (!seg.hasAck) return;
    if (this.state === TcpState.synReceived) {
      if (!(seqGt(seg.ack, this.#iss) && seqLte(seg.ack, this.#sndMax))) {
        this.#sendReset(seg.ack);
        return;
      }
      this.#acknowledgeSyn(seg, now);
      this.state = this.#finQueued ? TcpState.finWait1 : TcpState.established;
      this.#sndWnd = seg.window << this.#sndScale;
      this.#maxSndWnd = Math.max(this.#maxSndWnd, this.#sndWnd);
      this.#sndWl1 = seg.seq;
      this.#sndWl2 = seg.ack;
      if (this.passive) this.#host.connectionEstablished(this);
      else this.#connectPending = true;
      if (this.isClosed) return;
    }
    if (!this.#processAck(seg, now)) return;
    // RFC 7323 §4.3: TS.Recent follows segments that cover Last.ACK.sent.
    if (
      this.#tsEnabled &&
      seg.options.timestampValue !== undefined &&
      seqLte(seg.seq, this.#lastAckSent)
    ) {
      this.#tsRecent = seg.options.timestampValue;
    }
    // Sixth, the URG bit: urgent data is delivered in line (RFC 9293 §3.8.5, as SO_OOBINLINE).
    // Seventh, the segment text; eighth, the FIN bit.
    if (payloadLength > 0 || seg.fin) this.#acceptText(seg);
  }

  /** RFC 9293 §3.10.7.4's four-case acceptability test. */
  #acceptable(seg: IncomingSegment, window: number): boolean {
    const length = seg.length;
    const rcvNxt = this.#rcvNxt;
    if (length === 0) {
      if (window === 0) return seg.seq === rcvNxt;
      return seqGte(seg.seq, rcvNxt) && seqLt(seg.seq, seqAdd(rcvNxt, window));
    }
    if (window === 0) return false;
    const last = seqAdd(seg.seq, length - 1);
    const right = seqAdd(rcvNxt, window);
    return (
      (seqGte(seg.seq, rcvNxt) && seqLt(seg.seq, right)) ||
      (seqGte(last, rcvNxt) && seqLt(last, right))
    );
  }

  #onReset(): void {
    const stats = this.#host.stats;
    stats.resetsReceived++;
    switch (this.state) {
      case TcpState.synReceived:
        if (this.passive) this.#close();
        else this.#fail("ECONNREFUSED", "connect");
        return;
      case TcpState.established:
      case TcpState.finWait1:
      case TcpState.finWait2:
      case TcpState.closeWait:
        this.#fail("ECONNRESET", "read");
        return;
      default:
        // CLOSING, LAST-ACK, TIME-WAIT. RFC 1337 would ignore a RST in TIME-WAIT; RFC 9293 closes.
        this.#close();
    }
  }

  /**
   * The fifth step for synchronized states: SND.UNA, the send window, duplicate ACKs and loss
   * recovery, and the FIN-related transitions. Returns false when the segment must be dropped.
   */
  #processAck(seg: IncomingSegment, now: number): boolean {
    const ack = seg.ack;
    // RFC 5961 §5.2: an ACK outside [SND.UNA − MAX.SND.WND, SND.MAX] is answered and dropped.
    if (seqGt(ack, this.#sndMax)) {
      this.#challengeAck();
      return false;
    }
    if (seqLt(ack, seqAdd(this.#sndUna, -this.#maxSndWnd))) {
      this.#challengeAck();
      return false;
    }
    const stats = this.#host.stats;
    const newlyAcked = seqDiff(ack, this.#sndUna);
    const sackedBefore = this.#scoreboard.sackedBytes;
    if (this.#sackEnabled && seg.options.sackBlockCount > 0) this.#recordSack(seg);
    const windowBefore = this.#sndWnd;
    this.#updateSendWindow(seg);
    if (newlyAcked > 0) {
      this.#onNewAck(seg, newlyAcked, now);
    } else if (
      newlyAcked === 0 &&
      seg.payloadLength === 0 &&
      !seg.fin &&
      seqGt(this.#sndMax, this.#sndUna) &&
      // RFC 5681 §2's duplicate ACK keeps the window; RFC 6675 §2 counts one that SACKs new data.
      (this.#sndWnd === windowBefore || this.#scoreboard.sackedBytes > sackedBefore)
    ) {
      stats.duplicateAcksReceived++;
      this.#dupAcks++;
    }
    if (!this.#inRecovery && seqGt(this.#sndMax, this.#sndUna)) this.#maybeEnterRecovery(now);
    else if (this.#inRecovery && this.#sackEnabled) this.#detectLostRetransmissions();
    if (this.#sndWnd > 0 && this.#persistAt !== NEVER) {
      this.#persistAt = NEVER;
      this.rto.resetBackoff();
    }
    this.#afterAckTransitions(seg);
    return !this.isClosed;
  }

  /** RFC 9293 §3.10.7.4: SND.WND follows segments newer than the last update (SND.WL1/WL2). */
  #updateSendWindow(seg: IncomingSegment): void {
    const handshake = this.state === TcpState.synReceived || this.state === TcpState.synSent;
    // RFC 9293 §3.10.7.4: only for SND.UNA ≤ SEG.ACK, and only from a segment newer than the last
    // update; an ACK that advances SND.UNA is newer whatever its SEQ (as Linux's
    // tcp_may_update_window), or a retransmission of old data would carry a stale window forward.
    if (
      handshake ||
      (seqGte(seg.ack, this.#sndUna) &&
        (seqGt(seg.ack, this.#sndUna) ||
          seqLt(this.#sndWl1, seg.seq) ||
          (this.#sndWl1 === seg.seq && seqLte(this.#sndWl2, seg.ack))))
    ) {
      // RFC 7323 §2.2: the window of a SYN is never scaled.
      this.#sndWnd = seg.syn ? seg.window : seg.window << this.#sndScale;
      if (this.#sndWnd > this.#maxSndWnd) this.#maxSndWnd = this.#sndWnd;
      this.#sndWl1 = seg.seq;
      this.#sndWl2 = seg.ack;
    }
  }

  #recordSack(seg: IncomingSegment): void {
    const blocks = seg.options.sackBlocks;
    for (let i = 0; i < seg.options.sackBlockCount; i++) {
      const left = blocks[i * 2]!;
      const right = blocks[i * 2 + 1]!;
      // RFC 2018 §5: only blocks inside (SND.UNA, SND.MAX] mean anything.
      if (!seqGt(right, this.#sndUna) || seqGt(right, this.#sndMax) || !seqLt(left, right))
        continue;
      const start = this.#positionOf(seqGt(left, this.#sndUna) ? left : this.#sndUna);
      this.#scoreboard.add(start, this.#positionOf(right));
    }
  }

  #onNewAck(seg: IncomingSegment, acked: number, now: number): void {
    if (this.#undoTimestamp !== -1) this.#detectSpuriousTimeout(seg);
    if (this.#retransmissions === 0 || this.#tsEnabled) this.#sampleRtt(seg, now);
    this.#sndUna = seg.ack;
    this.#unaPosition += acked;
    if (seqLt(this.#sndNxt, this.#sndUna)) this.#sndNxt = this.#sndUna;
    // Data bytes acknowledged: positions 1 .. data end (the FIN's position is past the data).
    const dataAcked =
      Math.min(this.#unaPosition - 1, this.#sendBuffer.end) - this.#sendBuffer.start;
    if (dataAcked > 0) this.#sendBuffer.consume(dataAcked);
    this.#scoreboard.advance(this.#unaPosition);
    if (this.#highRxt < this.#unaPosition) this.#highRxt = this.#unaPosition;
    this.#retransmissions = 0;
    this.rto.resetBackoff();
    if (this.#inRecovery) {
      if (this.#unaPosition >= this.#recoverPosition) {
        this.#inRecovery = false;
        this.#dupAcks = 0;
        this.#retransmitRecords.length = 0;
        this.#lostRetransmits.length = 0;
        this.cc.onExitRecovery();
      } else if (!this.#sackEnabled) {
        // RFC 6582 §3.2 step 3: a partial ACK; retransmit the next hole and deflate.
        this.cc.onPartialAck(acked);
        this.#retransmitUnaPending = true;
        this.#dupAcks = 0;
      }
    } else {
      this.#dupAcks = 0;
      this.cc.onAck(acked, now, this.rto.srtt);
    }
    // RFC 6298 §5.2–5.3: stop the timer when all is acknowledged, else restart it.
    if (this.#sndUna === this.#sndMax) this.#rtoAt = NEVER;
    else this.#rtoAt = now + this.rto.rto;
    this.#probesSinceAck = 0;
    this.#armProbe(now);
    this.#releaseBlockedWrites();
  }

  /**
   * RFC 3522 (Eifel detection): the first ACK after a timeout echoes a TSval older than the
   * retransmission's, so it acknowledges the original: the timeout was spurious (ACKs were only
   * late, e.g. queued on the way in). RFC 4015's response: restore the windows, and do not resend
   * what the go-back would have resent.
   */
  #detectSpuriousTimeout(seg: IncomingSegment): void {
    const echo = seg.options.timestampEchoReply;
    const timestamp = this.#undoTimestamp;
    this.#undoTimestamp = -1;
    if (echo === undefined || echo === 0 || !seqLt(echo, timestamp)) return;
    this.#host.stats.spuriousTimeouts++;
    this.cc.undo(this.#undoCwnd, this.#undoSsthresh);
    if (seqGt(this.#undoSndNxt, seg.ack) && seqGt(this.#undoSndNxt, this.#sndNxt)) {
      this.#sndNxt = this.#undoSndNxt;
    }
    this.rto.resetBackoff();
  }

  #maybeEnterRecovery(now: number): void {
    const stats = this.#host.stats;
    // RFC 6582 §3.2 step 1 / RFC 6675 §5: three duplicates, or SACK says the first byte is lost.
    const smss = this.#sendMss();
    const lost =
      this.#dupAcks >= 3 ||
      (this.#sackEnabled && this.#scoreboard.isLost(this.#unaPosition, smss)) ||
      this.#earlyRetransmitDue(smss);
    if (!lost) return;
    // Do not start a second recovery for losses of the same window (RFC 6582 §3.2 step 2).
    if (this.#unaPosition < this.#recoverPosition && !this.#sackEnabled) return;
    stats.recoveries++;
    this.#inRecovery = true;
    this.#recoverPosition = this.#positionOf(this.#sndMax);
    this.cc.onEnterRecovery(this.#flightSize(), now);
    this.#highRxt = this.#unaPosition;
    this.#retransmitUnaPending = true;
    this.#rttSeq = -1;
  }

  /**
   * RFC 5827 early retransmit: with fewer than four segments outstanding and nothing new that
   * could be sent, too few duplicate ACKs can ever arrive for the usual threshold; lower it to
   * the outstanding segments less one.
   */
  #earlyRetransmitDue(smss: number): boolean {
    if (this.#dupAcks === 0) return false;
    const outstanding = Math.ceil(this.#flightSize() / smss);
    if (outstanding >= 4 || this.#dupAcks < outstanding - 1) return false;
    const unsent = this.#sendBuffer.end + 1 - this.#positionOf(this.#sndNxt);
    const windowRoom = seqDiff(seqAdd(this.#sndUna, this.#sndWnd), this.#sndNxt);
    return unsent <= 0 || windowRoom <= 0;
  }

  /**
   * An ICMP error quoting one of our segments, whose sequence number is `quotedSeq`. Ignored
   * unless that number is outstanding (RFC 5927 §4.1), so blind ICMP cannot steer us.
   */
  onIcmpError(kind: "path-mtu" | "unreachable", mtu: number, quotedSeq: number): boolean {
    if (this.isClosed || !(seqGte(quotedSeq, this.#sndUna) && seqLt(quotedSeq, this.#sndMax))) {
      return false;
    }
    if (kind === "unreachable") {
      this.#softError = "EHOSTUNREACH";
      return true;
    }
    if (mtu >= this.#pathMtu) return true;
    // RFC 1191 §6 / RFC 8201 §5.4: lower the MSS and resend what was sent too large, now.
    this.#pathMtu = mtu;
    this.#host.stats.pathMtuReductions++;
    this.cc.setMss(this.#sendMss());
    if (isSynchronized(this.state)) {
      this.#sndNxt = this.#sndUna;
      this.#highRxt = this.#unaPosition;
      this.#scoreboard.clear();
      this.#inRecovery = false;
      if (this.#finSent && this.#unaPosition <= this.#finPosition) this.#finSent = false;
      this.#host.requestOutput(this);
    }
    return true;
  }

  /** FIN-WAIT-1 → FIN-WAIT-2, CLOSING → TIME-WAIT, LAST-ACK → CLOSED once our FIN is acknowledged. */
  #afterAckTransitions(seg: IncomingSegment): void {
    const finAcked = this.#finSent && this.#unaPosition > this.#finPosition;
    switch (this.state) {
      case TcpState.finWait1:
        if (finAcked) {
          this.state = TcpState.finWait2;
          if (this.#orphaned) this.#armOrphanLinger();
        }
        break;
      case TcpState.closing:
        if (finAcked) this.#enterTimeWait();
        break;
      case TcpState.lastAck:
        if (finAcked) this.#close();
        break;
      case TcpState.timeWait:
        // A retransmitted FIN is acknowledged again and restarts the 2·MSL timer.
        if (seg.fin) {
          this.#ackNow = true;
          this.#restartTimeWait();
        }
        break;
      default:
        break;
    }
  }

  /** Seventh and eighth steps: the segment text and the FIN (RFC 9293 §3.10.7.4). */
  #acceptText(seg: IncomingSegment): void {
    const state = this.state;
    if (
      state !== TcpState.established &&
      state !== TcpState.finWait1 &&
      state !== TcpState.finWait2
    ) {
      return; // CLOSE-WAIT and later: the peer already sent its FIN; ignore text.
    }
    let seq = seg.syn ? seqAdd(seg.seq, 1) : seg.seq;
    let offset = seg.payloadOffset;
    let length = seg.payloadLength;
    // Trim what was already received.
    const early = seqDiff(this.#rcvNxt, seq);
    if (early > 0) {
      const cut = Math.min(early, length);
      offset += cut;
      length -= cut;
      seq = seqAdd(seq, cut);
    }
    // Trim what lies beyond the advertised window (and with it any FIN).
    let fin = seg.fin;
    const room = seqDiff(this.#rcvRight, seq);
    if (length > room) {
      length = Math.max(room, 0);
      fin = false;
    }
    // A FIN ends the peer's stream (RFC 9293 §3.10.7.4, eighth step): text beyond one already
    // seen is dropped, as Linux's tcp_fin() drops what it holds after one. Held, it would be
    // reported in SACK blocks beyond the end of the stream.
    const pendingFin = this.#pendingFinSeq;
    if (pendingFin !== -1 && length > seqDiff(pendingFin, seq)) {
      const kept = Math.max(seqDiff(pendingFin, seq), 0);
      this.#host.stats.bytesAfterFinDropped += length - kept;
      length = kept;
      fin = false;
    }
    if (length > 0 && this.#orphaned) {
      // Data for a socket its application destroyed: RFC 9293 §3.10.7.4 / RFC 2525 §2.17, reset.
      this.abort();
      return;
    }
    if (length > 0) {
      if (seq === this.#rcvNxt) {
        this.#receiveInOrder(seg.payload, offset, length);
      } else if (seqGt(seq, this.#rcvNxt)) {
        const kept = this.#reassembly.insert(seq, seg.payload, offset, length);
        if (kept > 0) this.#host.stats.outOfOrderSegments++;
        // RFC 5681 §4.2: each out-of-order segment is acknowledged at once, not once per batch:
        // every duplicate ACK carries the SACK blocks as they then stood, and the sender's loss
        // detection counts them.
        this.#sendAck();
      }
    }
    if (fin) {
      const finSeq = seqAdd(seq, length);
      if (finSeq === this.#rcvNxt) this.#receiveFin();
      else if (seqGt(finSeq, this.#rcvNxt)) {
        // Beyond a hole: held until the hole fills. Of two FINs the earlier one ends the stream.
        if (pendingFin === -1 || seqGt(pendingFin, finSeq)) {
          this.#pendingFinSeq = finSeq;
          this.#host.stats.bytesAfterFinDropped += this.#reassembly.discardFrom(finSeq);
        }
        this.#ackNow = true;
      }
    }
  }

  #receiveInOrder(bytes: Uint8Array, offset: number, length: number): void {
    const chunk = Buffer.allocUnsafe(length);
    chunk.set(bytes.subarray(offset, offset + length));
    this.#queueDelivery(chunk);
    let rcvNxt = seqAdd(this.#rcvNxt, length);
    if (!this.#reassembly.isEmpty) {
      // The hole filled: pull what now follows, and ACK at once (RFC 5681 §4.2).
      for (;;) {
        const next = this.#reassembly.takeAt(rcvNxt);
        if (next === undefined) break;
        this.#queueDelivery(next);
        rcvNxt = seqAdd(rcvNxt, next.length);
      }
      this.#ackNow = true;
    }
    this.#unackedBytes += seqDiff(rcvNxt, this.#rcvNxt);
    this.#rcvNxt = rcvNxt;
    if (this.#pendingFinSeq !== -1 && this.#pendingFinSeq === rcvNxt) this.#receiveFin();
  }

  #queueDelivery(chunk: Buffer): void {
    this.#undelivered.push(chunk);
    this.#undeliveredBytes += chunk.length;
    this.bytesRead += chunk.length;
  }

  #receiveFin(): void {
    this.#pendingFinSeq = -1;
    if (this.#finReceived) return;
    this.#finReceived = true;
    // Whatever is still held out of order lies beyond the FIN: dropped (see #acceptText).
    this.#host.stats.bytesAfterFinDropped += this.#reassembly.discardFrom(this.#rcvNxt);
    this.#rcvNxt = seqAdd(this.#rcvNxt, 1);
    this.#ackNow = true;
    this.#endPending = true;
    switch (this.state) {
      case TcpState.established:
        this.state = TcpState.closeWait;
        break;
      case TcpState.finWait1:
        // Our FIN not yet acknowledged: simultaneous close (RFC 9293 §3.6).
        if (this.#finSent && this.#unaPosition > this.#finPosition) this.#enterTimeWait();
        else this.state = TcpState.closing;
        break;
      case TcpState.finWait2:
        this.#enterTimeWait();
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- output

  /**
   * Everything the batch left to do, once: deliver received data to the socket, then send what
   * the windows allow, then an ACK if one is still owed (RFC 9293 §3.8.6.3: at once for
   * out-of-order data, a filled hole, a window update or every second full segment; after the
   * delayed-ACK time for a lone segment).
   */
  output(): void {
    this.outputQueued = false;
    if (this.isClosed) return;
    this.#deliver();
    if (this.isClosed) return;
    const now = this.#host.now();
    if (this.#windowCheckPending) this.#checkWindowUpdate();
    if (isSynchronized(this.state)) this.#sendData(now);
    if (this.isClosed) return;
    if (this.#ackOwed()) {
      if (
        this.#ackNow ||
        this.#unackedBytes >= 2 * this.#receiveSegmentSize() ||
        this.#host.options.delayedAckMs === 0
      ) {
        this.#sendAck();
      } else if (this.#delayedAckAt === NEVER) {
        this.#delayedAckAt = now + this.#host.options.delayedAckMs;
      }
    }
    this.#reschedule();
  }

  /**
   * A full-sized segment's payload as the peer sends it: our MSS less the timestamp option when
   * timestamps are on (RFC 6691: the MSS excludes options). "Every second full-sized segment"
   * (RFC 9293 §3.8.6.3) counts in these.
   */
  #receiveSegmentSize(): number {
    return Math.min(this.#ourMss, this.#peerMss) - (this.#tsEnabled ? TIMESTAMP_OPTION_BYTES : 0);
  }

  #ackOwed(): boolean {
    return (
      this.#ackNow ||
      this.#unackedBytes > 0 ||
      (isSynchronized(this.state) && this.#rcvNxt !== this.#lastAckSent)
    );
  }

  #deliver(): void {
    const socket = this.socket;
    if (this.#connectPending) {
      this.#connectPending = false;
      socket?.connected();
    }
    if (this.#undeliveredBytes > 0) {
      const chunks = this.#undelivered;
      const chunk =
        chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#undeliveredBytes);
      this.#undelivered = [];
      this.#undeliveredBytes = 0;
      if (socket !== undefined) socket.deliver(chunk);
      this.#noteActivity();
    }
    if (this.#endPending && this.socket !== undefined) {
      this.#endPending = false;
      this.socket.deliverEnd();
    }
  }

  /** Bytes we may still advertise: the buffer less what the application has not read. */
  #receiveSpace(): number {
    const held =
      (this.socket?.readableLength ?? 0) + this.#undeliveredBytes + this.#reassembly.bytes;
    return Math.max(this.#host.options.receiveBufferSize - held, 0);
  }

  /** The window field to send, after receiver SWS avoidance (RFC 9293 §3.8.6.2.2); moves #rcvRight. */
  #windowField(): number {
    const space = this.#receiveSpace();
    const current = Math.max(seqDiff(this.#rcvRight, this.#rcvNxt), 0);
    const scale = this.#rcvScale;
    // Advance the right edge only by at least min(½ buffer, MSS), never move it left (SHLD-14).
    const threshold = Math.min(this.#host.options.receiveBufferSize / 2, this.#ourMss);
    let field: number;
    if (space >= current + threshold) {
      field = Math.min(space >>> scale, 0xffff);
    } else {
      // Keep the edge where it is; rounding up promises less than one scale unit more (RFC 7323 §2.3).
      field = Math.min((current + (1 << scale) - 1) >>> scale, 0xffff);
    }
    const right = seqAdd(this.#rcvNxt, field << scale);
    if (seqGt(right, this.#rcvRight)) this.#rcvRight = right;
    return field;
  }

  /**
   * Payload bytes the next segment may carry: the peer's MSS and the path MTU, less the options it
   * carries now (timestamps, SACK blocks), since the MSS excludes options (RFC 6691 §2).
   */
  #segmentPayloadLimit(): number {
    const optionBytes = this.#prepareOptions(false).length;
    const limit = Math.min(this.#peerMss, this.#pathMtu - this.#ipHeaderLength - 20);
    return Math.max(limit - optionBytes, 1);
  }

  #sendMss(): number {
    const linkLimit = this.#pathMtu - this.#ipHeaderLength - 20;
    return Math.max(
      Math.min(this.#peerMss, linkLimit) - (this.#tsEnabled ? TIMESTAMP_OPTION_BYTES : 0),
      1,
    );
  }

  /** Bytes in flight (RFC 6675's pipe when SACK is on; FlightSize with dup-ACK inflation else). */
  #pipe(): number {
    const flight = this.#flightSize();
    if (!this.#inRecovery) return flight;
    if (this.#sackEnabled)
      return Math.max(flight - this.#scoreboard.sackedBytes - this.#lostNotRetransmitted(), 0);
    return Math.max(flight - this.#dupAcks * this.#sendMss(), 0);
  }

  #flightSize(): number {
    return seqDiff(this.#sndNxt, this.#sndUna);
  }

  /** Bytes in holes RFC 6675 deems lost that loss recovery has not resent yet. */
  #lostNotRetransmitted(): number {
    const board = this.#scoreboard;
    const smss = this.#sendMss();
    const high = board.highestSacked(this.#unaPosition);
    let position = Math.max(this.#highRxt, this.#unaPosition);
    let lost = 0;
    while (position < high) {
      if (board.isSacked(position)) {
        position = board.sackedRunEnd(position);
        continue;
      }
      if (!board.isLost(position, smss)) break;
      const holeEnd = Math.min(board.nextSackedFrom(position), high);
      lost += holeEnd - position;
      position = holeEnd;
    }
    return lost;
  }

  #sendData(now: number): void {
    const smss = this.#sendMss();
    const limit = this.#segmentPayloadLimit();
    for (;;) {
      // Loss recovery first: the segment at SND.UNA, then (with SACK) holes deemed lost.
      if (this.#retransmitUnaPending) {
        this.#retransmitUnaPending = false;
        if (!this.#retransmitAt(this.#unaPosition, limit, now)) return;
        this.#host.stats.fastRetransmissions++;
        continue;
      }
      if (this.#lostRetransmits.length > 0 && this.#pipe() < this.cc.cwnd) {
        const start = this.#lostRetransmits.shift()!;
        if (start >= this.#unaPosition && !this.#scoreboard.isSacked(start)) {
          if (!this.#retransmitAt(start, limit, now, false)) {
            this.#lostRetransmits.unshift(start);
            return;
          }
          this.#host.stats.fastRetransmissions++;
        }
        continue;
      }
      if (this.#inRecovery && this.#sackEnabled) {
        const hole = this.#nextLostHole(smss);
        if (hole >= 0 && this.#pipe() < this.cc.cwnd) {
          if (!this.#retransmitAt(hole, limit, now)) return;
          this.#host.stats.fastRetransmissions++;
          continue;
        }
      }
      const nextPosition = this.#positionOf(this.#sndNxt);
      const dataEnd = this.#sendBuffer.end + 1; // position after the last data byte
      const unsent = dataEnd - nextPosition;
      const finToSend = this.#finQueued && !this.#finSent && nextPosition <= this.#finPosition;
      if (unsent <= 0 && !finToSend) {
        if (this.#retransmitUnlostHole(smss, limit, now)) continue;
        return;
      }
      // RFC 3042 limited transmit: two more segments on the first two duplicate ACKs.
      const limitedTransmit = this.#inRecovery ? 0 : Math.min(this.#dupAcks, 2) * smss;
      const cwndRoom = this.cc.cwnd + limitedTransmit - this.#pipe();
      const windowRoom = seqDiff(seqAdd(this.#sndUna, this.#sndWnd), this.#sndNxt);
      const room = Math.min(cwndRoom, windowRoom);
      let length = Math.min(Math.max(unsent, 0), limit, Math.max(room, 0));
      if (unsent > 0 && length <= 0) {
        // Blocked by the peer's window with nothing in flight: the persist timer probes it.
        if (windowRoom <= 0 && this.#flightSize() === 0 && this.#persistAt === NEVER) {
          this.#persistAt = now + this.rto.rto;
        }
        if (windowRoom <= 0 && this.#retransmitUnlostHole(smss, limit, now)) continue;
        return;
      }
      if (unsent > 0 && length < limit) {
        if (length < unsent) {
          // RFC 9293 §3.8.6.2.1 sender SWS: a window-limited runt waits for ≥ ½ max window.
          if (length < this.#maxSndWnd / 2) return;
        } else if (!this.#noDelay && this.#flightSize() > 0) {
          // RFC 9293 §3.7.4 Nagle: a runt waits while data is unacknowledged.
          if (!this.#finQueued) return;
        }
      }
      if (length < 0) length = 0;
      const fin = finToSend && nextPosition + length === this.#finPosition;
      if (!this.#transmit(this.#sndNxt, nextPosition - 1, length, fin, now)) return;
    }
  }

  /**
   * RFC 6675 §4 NextSeg rule 3: when no new data can go out, resend a hole below the highest
   * SACKed byte even though IsLost does not hold yet (a short flight never gathers three SACKs).
   */
  #retransmitUnlostHole(smss: number, limit: number, now: number): boolean {
    if (!this.#inRecovery || !this.#sackEnabled || this.#pipe() >= this.cc.cwnd) return false;
    const hole = this.#nextLostHole(smss, false);
    if (hole < 0 || !this.#retransmitAt(hole, limit, now)) return false;
    this.#host.stats.fastRetransmissions++;
    return true;
  }

  /**
   * A retransmission is lost when data first sent after it has been SACKed while it has not
   * (Linux's lost-retransmit detection; RFC 8985 §6 reaches the same by time). RFC 6675 alone
   * never resends a retransmission, leaving each such loss to the RTO.
   */
  #detectLostRetransmissions(): void {
    const records = this.#retransmitRecords;
    if (records.length === 0) return;
    const board = this.#scoreboard;
    const high = board.highestSacked(this.#unaPosition);
    const smss = this.#sendMss();
    let kept = 0;
    for (let i = 0; i < records.length; i += 3) {
      const start = records[i]!;
      const end = records[i + 1]!;
      const mark = records[i + 2]!;
      if (end <= this.#unaPosition || board.isSacked(start)) continue; // delivered
      if (high >= mark + smss) {
        this.#lostRetransmits.push(start);
        this.#host.stats.lostRetransmissions++;
        continue;
      }
      records[kept++] = start;
      records[kept++] = end;
      records[kept++] = mark;
    }
    records.length = kept;
  }

  /** The first hole at or above HighRxt that RFC 6675 deems lost, or -1 (NextSeg rule 1). */
  #nextLostHole(smss: number, requireLost = true): number {
    const board = this.#scoreboard;
    const high = board.highestSacked(this.#unaPosition);
    let position = Math.max(this.#highRxt, this.#unaPosition);
    while (position < high) {
      if (board.isSacked(position)) {
        position = board.sackedRunEnd(position);
        continue;
      }
      return !requireLost || board.isLost(position, smss) ? position : -1;
    }
    return -1;
  }

  /**
   * Retransmits up to one MSS at `position` (without passing a SACKed range or the data's end).
   * `advanceHighRxt` is false for resending a retransmission found lost, which must not move
   * HighRxt back.
   */
  #retransmitAt(position: number, smss: number, now: number, advanceHighRxt = true): boolean {
    const dataEnd = this.#sendBuffer.end + 1;
    const sendEnd = this.#positionOf(this.#sndMax);
    if (position >= sendEnd) return true;
    // Only what was sent before: a retransmission never carries new data past the window.
    let length = Math.min(
      smss,
      dataEnd - position,
      sendEnd - position,
      this.#scoreboard.nextSackedFrom(position) - position,
    );
    if (length < 0) length = 0;
    const fin = this.#finSent && position + length === this.#finPosition;
    if (length === 0 && !fin) return true;
    const seq = seqAdd(this.#sndUna, position - this.#unaPosition);
    if (!this.#transmit(seq, position - 1, length, fin, now)) return false;
    this.totalRetransmissions++;
    const end = position + length + (fin ? 1 : 0);
    if (advanceHighRxt || end > this.#highRxt) this.#highRxt = Math.max(this.#highRxt, end);
    if (this.#inRecovery && this.#sackEnabled) {
      this.#retransmitRecords.push(position, end, this.#positionOf(this.#sndMax));
    }
    if (this.#probeAt === NEVER) this.#armProbe(now);
    this.#rttSeq = -1; // Karn: no sample from this round
    return true;
  }

  /**
   * Builds and sends one segment with `length` payload bytes from buffer position `dataPosition`
   * (and FIN if asked), carrying the current ACK and window. False when the transmitter had no
   * buffer: nothing changed, and output retries shortly.
   */
  #transmit(seq: number, dataPosition: number, length: number, fin: boolean, now: number): boolean {
    const out = this.#prepareOptions(false);
    const ip = this.#ipHeaderLength;
    const packetLength = ip + 20 + out.length + length;
    const buffer = this.#host.transmitter.tryGetNextBuffer(packetLength);
    if (buffer === undefined) {
      this.#outputBlocked(now);
      return false;
    }
    const flags =
      TcpFlags.ack |
      (fin ? TcpFlags.fin : 0) |
      (length > 0 && dataPosition + length === this.#sendBuffer.end ? TcpFlags.psh : 0);
    const window = this.#windowField();
    const payloadAt = this.#writer.writeHeaders(
      buffer,
      seq,
      this.#rcvNxt,
      flags,
      window,
      out,
      length,
    );
    if (length > 0) this.#sendBuffer.copyOut(dataPosition, length, buffer, payloadAt);
    this.#host.transmitter.sendBuffer(buffer, this.#writer.finish(buffer, payloadAt + length));
    this.#host.stats.segmentsSent++;
    this.#ackSent();
    const end = seqAdd(seq, length + (fin ? 1 : 0));
    if (fin) this.#finSent = true;
    if (seqGt(end, this.#sndNxt)) {
      if (!this.#tsEnabled && this.#rttSeq === -1 && seqGte(seq, this.#sndMax)) {
        this.#rttSeq = end;
        this.#rttSentAt = now;
      }
      this.#sndNxt = end;
    }
    const newData = seqGt(end, this.#sndMax);
    if (newData) this.#sndMax = end;
    if (this.#rtoAt === NEVER) this.#startRetransmissionTimer(now);
    if (newData) this.#armProbe(now);
    return true;
  }

  #startRetransmissionTimer(now: number): void {
    this.#rtoAt = now + this.rto.rto;
    this.#persistAt = NEVER;
  }

  #outputBlocked(now: number): void {
    this.#host.stats.transmitterBufferShortages++;
    if (this.#retryOutputAt === NEVER) this.#retryOutputAt = now + OUTPUT_RETRY_MS;
  }

  /** Fills the reused option block for a segment: timestamps, and SACK blocks while holes exist. */
  #prepareOptions(syn: boolean): OutgoingOptions {
    const out = this.#out;
    out.reset();
    if (syn) {
      const ours = this.#host.options;
      out.mss = Math.min(this.#ourMss, 0xffff);
      // On a SYN-ACK, offer only what the peer's SYN offered (RFC 7323 §1.3, RFC 2018 §2).
      const answering = this.state === TcpState.synReceived;
      if (ours.windowScaling && (!answering || this.#peerOfferedScale)) {
        out.windowScale = this.#offeredScale;
      }
      out.sackPermitted = ours.sack && (!answering || this.#sackEnabled);
      if (ours.timestamps && (!answering || this.#tsEnabled)) {
        out.hasTimestamp = true;
        out.timestampValue = this.#timestampNow();
        out.timestampEcho = answering ? this.#tsRecent : 0;
      }
      return out;
    }
    if (this.#tsEnabled) {
      out.hasTimestamp = true;
      out.timestampValue = this.#timestampNow();
      out.timestampEcho = this.#tsRecent;
    }
    if (this.#sackEnabled && !this.#reassembly.isEmpty) {
      // RFC 2018 §3: at most 3 blocks beside timestamps, 4 without.
      out.sackBlockCount = this.#reassembly.sackBlocks(out.sackBlocks, this.#tsEnabled ? 3 : 4);
    }
    return out;
  }

  #timestampNow(): number {
    return (Math.floor(this.#host.now()) + this.#tsOffset) >>> 0;
  }

  /** Sends our SYN (active open) or SYN-ACK (passive or simultaneous open). */
  #sendSyn(withAck: boolean): void {
    const out = this.#prepareOptions(true);
    const buffer = this.#host.transmitter.tryGetNextBuffer(this.#ipHeaderLength + 20 + out.length);
    if (buffer === undefined) {
      this.#outputBlocked(this.#host.now());
      return;
    }
    const flags = TcpFlags.syn | (withAck ? TcpFlags.ack : 0);
    // RFC 7323 §2.2: the window in a SYN is not scaled.
    const window = Math.min(this.#host.options.receiveBufferSize, 0xffff);
    if (withAck) this.#rcvRight = seqAdd(this.#rcvNxt, window);
    const at = this.#writer.writeHeaders(
      buffer,
      this.#iss,
      withAck ? this.#rcvNxt : 0,
      flags,
      window,
      out,
      0,
    );
    this.#host.transmitter.sendBuffer(buffer, this.#writer.finish(buffer, at));
    this.#host.stats.segmentsSent++;
    const end = seqAdd(this.#iss, 1);
    if (this.#retransmissions === 0) {
      // Time the handshake's round trip (Karn: only a SYN sent once).
      this.#rttSeq = end;
      this.#rttSentAt = this.#host.now();
    }
    if (seqGt(end, this.#sndNxt)) this.#sndNxt = end;
    if (seqGt(end, this.#sndMax)) this.#sndMax = end;
    if (withAck) this.#ackSent();
  }

  /** An empty segment with `flags` at sequence `seq`, carrying ACK/window/options as fitting. */
  #sendControl(flags: number, seq: number, withOptions: boolean): boolean {
    const out = withOptions ? this.#prepareOptions(false) : this.#out;
    if (!withOptions) out.reset();
    const buffer = this.#host.transmitter.tryGetNextBuffer(this.#ipHeaderLength + 20 + out.length);
    if (buffer === undefined) {
      this.#outputBlocked(this.#host.now());
      return false;
    }
    const isReset = (flags & TcpFlags.rst) !== 0;
    const window = isReset ? 0 : this.#windowField();
    const at = this.#writer.writeHeaders(buffer, seq, this.#rcvNxt, flags, window, out, 0);
    this.#host.transmitter.sendBuffer(buffer, this.#writer.finish(buffer, at));
    this.#host.stats.segmentsSent++;
    if ((flags & TcpFlags.ack) !== 0 && !isReset) this.#ackSent();
    return true;
  }

  #sendAck(): void {
    this.#sendControl(TcpFlags.ack, this.#sndNxt, true);
  }

  /** RFC 9293 §3.10.7.4 (SYN-RECEIVED, bad ACK) and §3.10.7.3: a RST with SEQ = SEG.ACK. */
  #sendReset(seq: number): void {
    const out = this.#out;
    out.reset();
    const buffer = this.#host.transmitter.tryGetNextBuffer(this.#ipHeaderLength + 20);
    if (buffer === undefined) return;
    const at = this.#writer.writeHeaders(buffer, seq, 0, TcpFlags.rst, 0, out, 0);
    this.#host.transmitter.sendBuffer(buffer, this.#writer.finish(buffer, at));
    this.#host.stats.segmentsSent++;
    this.#host.stats.resetsSent++;
  }

  #challengeAck(): void {
    const stats = this.#host.stats;
    if (!this.#host.takeChallengeAck()) {
      stats.challengeAcksSuppressed++;
      return;
    }
    stats.challengeAcksSent++;
    this.#sendControl(TcpFlags.ack, this.#sndNxt, true);
  }

  #ackSent(): void {
    this.#ackNow = false;
    this.#unackedBytes = 0;
    this.#lastAckSent = this.#rcvNxt;
    this.#delayedAckAt = NEVER;
  }

  #sampleRtt(seg: IncomingSegment, now: number): void {
    const echo = seg.options.timestampEchoReply;
    if (this.#tsEnabled && echo !== undefined && echo !== 0) {
      // RFC 7323 §4.1 / Appendix G: a sample from every ACK that advances SND.UNA.
      const sample = seqDiff(this.#timestampNow(), echo);
      if (sample >= 0 && sample < 600_000) this.rto.addSample(sample);
      return;
    }
    if (this.#rttSeq !== -1 && seqGte(seg.ack, this.#rttSeq)) {
      this.rto.addSample(now - this.#rttSentAt);
      this.#rttSeq = -1;
    }
  }

  #releaseBlockedWrites(): void {
    const limit = this.#host.options.sendBufferSize;
    while (this.#blockedWrites.length > 0 && this.#sendBuffer.length <= limit) {
      this.#blockedWrites.shift()!();
    }
  }

  // ---------------------------------------------------------------- timers

  /** The connection's single timer-queue entry holds the earliest of its deadlines. */
  #reschedule(): void {
    if (this.isClosed) return;
    const next = Math.min(
      this.#rtoAt,
      this.#persistAt,
      this.#probeAt,
      this.#delayedAckAt,
      this.#keepaliveAt,
      this.#closeAt,
      this.#idleAt,
      this.#retryOutputAt,
    );
    const timers = this.#host.timers;
    if (next === NEVER) timers.cancel(this);
    else if (this.timerIndex < 0 || next !== this.timerDeadline) timers.schedule(this, next);
  }

  onTimer(now: number): void {
    if (this.isClosed) return;
    if (this.#closeAt <= now) {
      this.#closeAt = NEVER;
      this.#close();
      return;
    }
    if (this.#rtoAt <= now) this.#onRetransmissionTimeout(now);
    if (this.isClosed) return;
    if (this.#persistAt <= now) this.#onPersistTimeout(now);
    if (this.#probeAt <= now) this.#onProbeTimeout(now);
    if (this.#keepaliveAt <= now) this.#onKeepaliveTimeout(now);
    if (this.isClosed) return;
    if (this.#delayedAckAt <= now) {
      this.#delayedAckAt = NEVER;
      this.#ackNow = true;
    }
    if (this.#retryOutputAt <= now) this.#retryOutputAt = NEVER;
    if (this.#idleAt <= now) {
      const idleFor = now - this.#lastActivityAt;
      if (idleFor >= this.#idleTimeoutMs && this.#idleTimeoutMs > 0) {
        this.#idleAt = NEVER;
        this.socket?.idleTimeout();
      } else {
        this.#idleAt = this.#idleTimeoutMs > 0 ? this.#lastActivityAt + this.#idleTimeoutMs : NEVER;
      }
    }
    if (this.isClosed) return;
    this.output();
  }

  /** RFC 6298 §5.4–5.6 with RFC 5681 §3.1 and RFC 6582 §4. */
  #onRetransmissionTimeout(now: number): void {
    this.#rtoAt = NEVER;
    this.#probeAt = NEVER;
    const stats = this.#host.stats;
    const options = this.#host.options;
    const handshake = this.state === TcpState.synSent || this.state === TcpState.synReceived;
    const limit = handshake ? options.synRetries : options.maxRetransmissions;
    if (this.#retransmissions >= limit) {
      stats.timedOut++;
      if (this.state === TcpState.synReceived && this.passive) this.#close();
      else this.#fail("ETIMEDOUT", handshake ? "connect" : "write");
      return;
    }
    this.#retransmissions++;
    this.totalRetransmissions++;
    stats.timeoutRetransmissions++;
    if (this.#retransmissions === 1 && this.#tsEnabled && !handshake) {
      this.#undoTimestamp = this.#timestampNow();
      this.#undoCwnd = this.cc.cwnd;
      this.#undoSsthresh = this.cc.ssthresh;
      this.#undoSndNxt = this.#sndNxt;
    }
    this.rto.onTimeout();
    this.#rttSeq = -1;
    if (handshake) {
      this.#sendSyn(this.state === TcpState.synReceived);
      this.#rtoAt = now + this.rto.rto;
      return;
    }
    if (this.#sndUna === this.#sndMax) return;
    this.cc.onRetransmissionTimeout(this.#flightSize(), now);
    this.#inRecovery = false;
    this.#recoverPosition = this.#positionOf(this.#sndMax);
    this.#dupAcks = 0;
    this.#scoreboard.clear();
    this.#retransmitRecords.length = 0;
    this.#lostRetransmits.length = 0;
    // Go back to SND.UNA: everything outstanding is resent as the window allows.
    this.#sndNxt = this.#sndUna;
    this.#highRxt = this.#unaPosition;
    if (this.#finSent && this.#unaPosition <= this.#finPosition) this.#finSent = false;
    this.#rtoAt = now + this.rto.rto;
  }

  /**
   * RFC 8985 §7.2: after new data or an ACK that leaves data outstanding, a probe is due in
   * PTO = 2·SRTT (plus the peer's worst-case delayed ACK when one segment is out), floored at
   * 10 ms as Linux does and never past the RTO. Without it, losing the one ACK a peer sends for a
   * burst leaves nothing to prompt a send until the RTO, and the RTO's 200 ms floor dominates.
   */
  #armProbe(now: number): void {
    if (
      !isSynchronized(this.state) ||
      this.#probesSinceAck >= MAX_PROBES ||
      this.#sndUna === this.#sndMax
    ) {
      this.#probeAt = NEVER;
      return;
    }
    let pto = this.rto.hasSample ? 2 * this.rto.srtt : INITIAL_RTO_MS;
    if (this.#flightSize() <= this.#sendMss()) pto += WORST_CASE_DELAYED_ACK_MS;
    pto = Math.max(pto, MIN_PROBE_TIMEOUT_MS) * 2 ** this.#probesSinceAck;
    pto = Math.min(pto, this.rto.rto);
    this.#probeAt = now + pto;
  }

  /**
   * RFC 8985 §7.3: send one new segment if the window allows, else resend the last one. In loss
   * recovery, a probe timeout with no progress means retransmissions were lost where no later
   * SACK could show it (RFC 8985 §6.3's reordering timer reaches the same): every hole is resent
   * again, the first one at once.
   */
  #onProbeTimeout(now: number): void {
    this.#probeAt = NEVER;
    if (!isSynchronized(this.state) || this.#sndUna === this.#sndMax) return;
    this.#probesSinceAck++;
    this.#host.stats.tailLossProbes++;
    const smss = this.#sendMss();
    const limit = this.#segmentPayloadLimit();
    if (this.#inRecovery) {
      this.#retransmitRecords.length = 0;
      this.#lostRetransmits.length = 0;
      this.#highRxt = this.#unaPosition;
      const first = this.#sackEnabled ? this.#nextLostHole(smss, false) : this.#unaPosition;
      this.#retransmitAt(first >= 0 ? first : this.#unaPosition, limit, now);
      this.#armProbe(now);
      return;
    }
    const nextPosition = this.#positionOf(this.#sndNxt);
    const unsent = this.#sendBuffer.end + 1 - nextPosition;
    const windowRoom = seqDiff(seqAdd(this.#sndUna, this.#sndWnd), this.#sndNxt);
    const length = Math.min(unsent, limit, windowRoom);
    if (length > 0) {
      const fin = this.#finQueued && !this.#finSent && nextPosition + length === this.#finPosition;
      this.#transmit(this.#sndNxt, nextPosition - 1, length, fin, now);
      return;
    }
    const sentEnd = this.#positionOf(this.#sndMax);
    const finOut = this.#finSent && sentEnd === this.#finPosition + 1;
    const dataEnd = finOut ? this.#finPosition : sentEnd;
    this.#retransmitAt(Math.max(this.#unaPosition, dataEnd - limit), limit, now);
  }

  /** RFC 9293 §3.8.6.1: probe a zero window with one byte beyond it, backing off. */
  #onPersistTimeout(now: number): void {
    this.#persistAt = NEVER;
    if (this.#sndWnd > 0) return;
    const position = this.#positionOf(this.#sndNxt);
    const dataEnd = this.#sendBuffer.end + 1;
    if (position >= dataEnd) return;
    this.#host.stats.windowProbesSent++;
    const out = this.#prepareOptions(false);
    const buffer = this.#host.transmitter.tryGetNextBuffer(
      this.#ipHeaderLength + 20 + out.length + 1,
    );
    if (buffer !== undefined) {
      const at = this.#writer.writeHeaders(
        buffer,
        this.#sndNxt,
        this.#rcvNxt,
        TcpFlags.ack,
        this.#windowField(),
        out,
        1,
      );
      this.#sendBuffer.copyOut(position - 1, 1, buffer, at);
      this.#host.transmitter.sendBuffer(buffer, this.#writer.finish(buffer, at + 1));
      this.#host.stats.segmentsSent++;
      this.#ackSent();
      const end = seqAdd(this.#sndNxt, 1);
      if (seqGt(end, this.#sndMax)) this.#sndMax = end;
    }
    this.rto.onTimeout();
    // SHLD-30: back off; the connection stays while probes are answered (MUST-37).
    this.#persistAt = now + this.rto.rto;
  }

  /** RFC 1122 §4.2.3.6: after the idle time, probe with SEG.SEQ = SND.NXT − 1 and no data. */
  #onKeepaliveTimeout(now: number): void {
    this.#keepaliveAt = NEVER;
    if (this.#keepaliveIdleMs === 0 || !isSynchronized(this.state)) return;
    const idleFor = now - this.#lastReceivedAt;
    if (idleFor < this.#keepaliveIdleMs && this.#keepaliveProbesSent === 0) {
      this.#keepaliveAt = this.#lastReceivedAt + this.#keepaliveIdleMs;
      return;
    }
    if (this.#keepaliveProbesSent >= this.#host.options.keepaliveProbes) {
      this.#host.stats.timedOut++;
      this.#fail("ETIMEDOUT", "read");
      return;
    }
    this.#keepaliveProbesSent++;
    this.#host.stats.keepaliveProbesSent++;
    this.#sendControl(TcpFlags.ack, seqAdd(this.#sndNxt, -1), true);
    this.#keepaliveAt = now + this.#host.options.keepaliveIntervalMs;
  }

  // ---------------------------------------------------------------- closing

  #enterTimeWait(): void {
    this.state = TcpState.timeWait;
    this.#host.timeWaitChanged(this, true);
    this.#rtoAt = NEVER;
    this.#persistAt = NEVER;
    this.#keepaliveAt = NEVER;
    this.#idleAt = NEVER;
    this.#sendBuffer.clear();
    this.#reassembly.clear();
    this.#restartTimeWait();
  }

  #restartTimeWait(): void {
    if (this.state !== TcpState.timeWait) return;
    this.#closeAt = this.#host.now() + this.#host.options.timeWaitMs;
    this.#reschedule();
  }

  /** An orphaned connection in FIN-WAIT-2 waits for the peer's FIN only so long (Linux's fin_timeout). */
  #armOrphanLinger(): void {
    this.#closeAt = this.#host.now() + this.#host.options.timeWaitMs;
    this.#reschedule();
  }

  /**
   * A SYN for this TIME-WAIT four-tuple may open a new connection (RFC 6191 with timestamps,
   * RFC 9293 §3.10.7.4 otherwise: its sequence number must be beyond RCV.NXT).
   */
  acceptsNewSynInTimeWait(syn: IncomingSegment): boolean {
    if (this.state !== TcpState.timeWait) return false;
    const ts = syn.options.timestampValue;
    if (this.#tsEnabled && ts !== undefined) return seqGt(ts, this.#tsRecent);
    return seqGt(syn.seq, this.#rcvNxt);
  }

  #fail(code: TcpErrorCode, syscall: "connect" | "read" | "write"): void {
    const socket = this.socket;
    // RFC 1122 §4.2.3.9: a soft error is reported when the connection then fails by timeout.
    if (code === "ETIMEDOUT" && this.#softError !== undefined) code = this.#softError;
    this.#close();
    socket?.fail(new TcpSocketError(code, syscall));
  }

  /** Forgets the connection: timers, buffers, the table entry. Blocked writers get EPIPE. */
  close(): void {
    this.#close();
  }

  #close(): void {
    if (this.isClosed) return;
    if (this.state === TcpState.timeWait) this.#host.timeWaitChanged(this, false);
    this.state = TcpState.closed;
    this.#host.timers.cancel(this);
    this.#sendBuffer.clear();
    this.#reassembly.clear();
    this.#scoreboard.clear();
    const blocked = this.#blockedWrites;
    this.#blockedWrites = [];
    for (const callback of blocked) callback(new TcpSocketError("EPIPE", "write"));
    this.#host.connectionClosed(this);
    if (this.#undeliveredBytes === 0 && !this.#endPending) return;
    // Data received before the close still reaches the application.
    this.#deliver();
  }

  // ---------------------------------------------------------------- helpers and introspection

  /** Position of sequence number `seq` (SYN = 0), relative to SND.UNA's known position. */
  #positionOf(seq: number): number {
    return this.#unaPosition + seqDiff(seq, this.#sndUna);
  }

  /** Read through a getter so that checks after calls that may close the connection stay honest. */
  get isClosed(): boolean {
    return this.state === TcpState.closed;
  }

  get isTimeWait(): boolean {
    return this.state === TcpState.timeWait;
  }

  /** What `TCP_INFO` would report. */
  info(): TcpConnectionInfo {
    return {
      state: tcpStateName(this.state),
      rttMs: this.rto.srtt,
      rttVarMs: this.rto.rttvar,
      rtoMs: this.rto.hasSample ? this.rto.rto : INITIAL_RTO_MS * 2 ** this.rto.backoff,
      minRttMs: Number.isFinite(this.rto.minRtt) ? this.rto.minRtt : 0,
      congestionControl: this.cc.name,
      cwnd: this.cc.cwnd,
      ssthresh: this.cc.ssthresh,
      sendMss: this.#sendMss(),
      receiveMss: this.#ourMss,
      sendWindow: this.#sndWnd,
      receiveWindow: Math.max(seqDiff(this.#rcvRight, this.#rcvNxt), 0),
      sendWindowScale: this.#sndScale,
      receiveWindowScale: this.#rcvScale,
      bytesInFlight: this.#flightSize(),
      bytesUnsent: Math.max(this.#sendBuffer.end + 1 - this.#positionOf(this.#sndNxt), 0),
      bytesSacked: this.#scoreboard.sackedBytes,
      bytesReassembling: this.#reassembly.bytes,
      retransmits: this.totalRetransmissions,
      inRecovery: this.#inRecovery,
      timestamps: this.#tsEnabled,
      sack: this.#sackEnabled,
    };
  }
}

/** The smallest shift that lets a 16-bit field advertise `buffer` bytes (RFC 7323 §2.3). */
export function windowScaleFor(buffer: number): number {
  let shift = 0;
  while (shift < MAX_WINDOW_SCALE && 0xffff << shift < buffer) shift++;
  return shift;
}

function createCongestionControl(name: CongestionControlName, mss: number): CongestionControl {
  return name === "cubic" ? new Cubic(mss) : new NewReno(mss);
}
