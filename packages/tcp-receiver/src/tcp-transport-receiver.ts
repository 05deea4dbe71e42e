import * as http from "node:http";
import * as https from "node:https";
import {
  IpPacketView,
  IpProtocol,
  seqAdd,
  TcpFlags,
  TcpView,
  upperLayerChecksumVerifies,
} from "@magma/packets";
import type { IPacketReceiver, IPacketTransmitter, PacketOwner } from "@magma/transport";
import { ConnectionTable } from "./connection-table.js";
import { IcmpError } from "./icmp-error.js";
import { IncomingSegment } from "./incoming-segment.js";
import { InitialSequenceNumbers } from "./initial-sequence-number.js";
import { IpAddress } from "./ip-address.js";
import { OutgoingOptions, SegmentWriter } from "./segment-writer.js";
import { SynCookies } from "./syn-cookies.js";
import { TcpConnection, windowScaleFor } from "./tcp-connection.js";
import { TcpConfigurationError } from "./tcp-error.js";
import type { TcpHost } from "./tcp-host.js";
import {
  type ResolvedTcpOptions,
  resolveTcpOptions,
  type TcpReceiverOptions,
} from "./tcp-receiver-options.js";
import { TcpSocket } from "./tcp-socket.js";
import { createTcpStatistics, type TcpStatistics } from "./tcp-statistics.js";
import { TimerQueue } from "./timer-queue.js";

/** Where the receiver's host lives: its address (IPv4 or IPv6) and the port it listens on. */
export interface TcpEndpoint {
  readonly address: string;
  readonly port: number;
}

/** Something that takes accepted connections: a listener function, or an `http.Server`, `net.Server`, ... */
export type TcpDispatcher =
  | ((socket: TcpSocket) => void)
  | { emit(event: "connection", socket: TcpSocket): boolean };

export interface TcpConnectOptions {
  /** The peer's IP address (literal: this layer does no name resolution). */
  readonly host: string;
  readonly port: number;
  /** Our address [the endpoint's]. */
  readonly localAddress?: string;
  /** Our port [an unused one from 49152–65535]. */
  readonly localPort?: number;
  readonly allowHalfOpen?: boolean;
  /** Turn Nagle's algorithm off for this socket [false, as `net.Socket`]. */
  readonly noDelay?: boolean;
}

interface Listener {
  readonly dispatcher: TcpDispatcher;
  readonly allowHalfOpen: boolean;
  readonly noDelay: boolean;
}

const EPHEMERAL_FIRST = 49152;
const EPHEMERAL_COUNT = 65536 - EPHEMERAL_FIRST;

/**
 * The TCP layer of a user-space host at `endpoint.address`, as a Magma packet receiver: plug it
 * into any port (`WinTunPort`, the TAP port, ...) and the port's adapter carries real TCP.
 * Accepted connections are `TcpSocket`s (Node `Duplex` streams shaped like `net.Socket`) handed to
 * the dispatcher, so an `http.Server` serves over the adapter with no glue:
 *
 * ```ts
 * const server = http.createServer((req, res) => res.end("hello"));
 * const port = await WinTunPort.create<TcpTransportReceiver<WinTunTransmitter>>({
 *   adapterName: "Magma TAP",
 *   packetReceiverFactory: (transmitter) =>
 *     new TcpTransportReceiver({ address: "198.18.0.2", port: 80 }, transmitter, server),
 * });
 * ```
 *
 * Packets that are not TCP for this host are declined, so the port disposes them or another
 * receiver can take them. Every segment is processed when it arrives; replies (ACKs, window
 * updates, data the application wrote meanwhile) leave together in `flushPendingAcks()`.
 */
export class TcpTransportReceiver<TTransmitter extends IPacketTransmitter>
  implements IPacketReceiver, TcpHost
{
  readonly transmitter: TTransmitter;
  readonly endpoint: TcpEndpoint;
  readonly options: ResolvedTcpOptions;
  readonly stats: TcpStatistics = createTcpStatistics();
  readonly timers = new TimerQueue();

  readonly #address: IpAddress;
  readonly #table = new ConnectionTable();
  readonly #listeners = new Map<number, Listener>();
  readonly #defaultListener: Listener | undefined;
  readonly #isn: InitialSequenceNumbers;
  readonly #cookies: SynCookies;
  /** The timestamp clock's offset for cookie SYN-ACKs and the connections they open. */
  readonly #cookieTimestampOffset: number;
  readonly #ip = new IpPacketView();
  readonly #tcp = new TcpView();
  readonly #segment = new IncomingSegment();
  readonly #icmp = new IcmpError();
  /** Options for segments sent without a connection (RSTs, cookie SYN-ACKs), reused. */
  readonly #controlOptions = new OutgoingOptions();
  readonly #tupleBytes = new Uint8Array(36);
  #pending: TcpConnection[] = [];
  #inBatch = false;
  #batchTime = 0;
  #outputScheduled = false;
  #synReceivedCount = 0;
  #challengeWindowStart = 0;
  #challengeCount = 0;
  #nextEphemeral: number;
  #closed = false;
  readonly #flushOnMicrotask = (): void => {
    this.#outputScheduled = false;
    if (this.#inBatch) this.flushPendingAcks();
    else this.#runOutput();
  };

  constructor(
    endpoint: TcpEndpoint,
    transmitter: TTransmitter,
    dispatcher?: TcpDispatcher,
    options?: TcpReceiverOptions,
  ) {
    this.endpoint = endpoint;
    this.transmitter = transmitter;
    this.#address = IpAddress.parse(endpoint.address);
    checkPort("endpoint.port", endpoint.port, true);
    this.options = resolveTcpOptions(options, transmitter.maxPacketLength, this.#address.family);
    this.#isn = new InitialSequenceNumbers(() => transmitter.randomSequenceNumber());
    this.#cookies = new SynCookies(() => transmitter.randomSequenceNumber());
    this.#cookieTimestampOffset = transmitter.randomSequenceNumber();
    this.#nextEphemeral = EPHEMERAL_FIRST + (transmitter.randomSequenceNumber() % EPHEMERAL_COUNT);
    if (dispatcher !== undefined) {
      const listener = listenerFor(dispatcher);
      if (this.options.transparent) this.#defaultListener = listener;
      else if (endpoint.port !== 0) this.#listeners.set(endpoint.port, listener);
    }
  }

  /** Connections in the table, TIME-WAIT included. */
  get connectionCount(): number {
    return this.#table.size;
  }

  /** Listens on one more port; the result stops listening (established connections stay). */
  listen(port: number, dispatcher: TcpDispatcher): { close(): void } {
    checkPort("port", port, false);
    if (this.#listeners.has(port)) {
      throw new TcpConfigurationError("ADDRESS_IN_USE", `port ${port} already has a listener`, {
        hint: "close the earlier listener first",
      });
    }
    const listener = listenerFor(dispatcher);
    this.#listeners.set(port, listener);
    return {
      close: () => {
        if (this.#listeners.get(port) === listener) this.#listeners.delete(port);
      },
    };
  }

  /**
   * Active open (RFC 9293 §3.10.1): a socket that emits "connect" once the handshake completes,
   * or an error (ECONNREFUSED on RST, ETIMEDOUT after the SYN retries). Usable as
   * `createConnection` for `http.request`/`http.Agent` and as the `socket` of `tls.connect`.
   */
  connect(options: TcpConnectOptions, onConnect?: () => void): TcpSocket {
    if (this.#closed) {
      throw new TcpConfigurationError("INVALID_ARGUMENT", "this receiver is closed");
    }
    checkPort("port", options.port, false);
    const remote = IpAddress.parse(options.host);
    const local =
      options.localAddress === undefined ? this.#address : IpAddress.parse(options.localAddress);
    if (remote.family !== local.family) {
      throw new TcpConfigurationError(
        "INVALID_ARGUMENT",
        `cannot connect from ${local.text} to ${remote.text}: the address families differ`,
      );
    }
    const localPort = options.localPort ?? this.#ephemeralPort(remote, local, options.port);
    checkPort("localPort", localPort, false);
    if (this.#table.has(remote.bytes, local.bytes, options.port, localPort)) {
      throw new TcpConfigurationError(
        "ADDRESS_IN_USE",
        `a connection ${local.text}:${localPort} → ${remote.text}:${options.port} already exists`,
      );
    }
    const now = this.now();
    const connection = new TcpConnection(
      this,
      local,
      localPort,
      remote,
      options.port,
      false,
      this.#initialSequence(local, localPort, remote, options.port, now),
      this.transmitter.randomSequenceNumber(),
      options.noDelay ?? false,
    );
    const socket = new TcpSocket(connection, { allowHalfOpen: options.allowHalfOpen ?? false });
    if (onConnect !== undefined) socket.once("connect", onConnect);
    this.#table.insert(connection);
    this.stats.activeConnections++;
    connection.openActive();
    return socket;
  }

  // ------------------------------------------------------------------ IPacketReceiver

  tryConsume<T extends PacketOwner>(input: T): T | null {
    if (this.#closed) return input;
    const ip = this.#ip;
    if (!ip.wrap(input.memory, 0, input.length)) return input;
    if (ip.protocol !== IpProtocol.tcp) return this.#onIcmp(ip) ? consumed(input) : input;
    if (ip.isFragment) return input;
    const addressLength = ip.version === 4 ? 4 : 16;
    const destinationAt = ip.version === 4 ? ip.offset + 16 : ip.offset + 24;
    if (!this.options.transparent) {
      if (
        addressLength !== this.#address.bytes.length ||
        !this.#address.matches(ip.bytes, destinationAt)
      ) {
        return input;
      }
    }
    // RFC 1122 §3.2.1.2: a host MUST drop an IPv4 datagram whose header checksum is wrong.
    if (ip.version === 4 && !ip.ipv4.hasValidHeaderChecksum()) {
      this.stats.badChecksumDrops++;
      return consumed(input);
    }
    if (!this.#inBatch) {
      this.#inBatch = true;
      this.#batchTime = performance.now();
      // A port calls flushPendingAcks after the batch; this guards against one that does not.
      this.#scheduleOutput();
    }
    this.#onTcpPacket(ip, addressLength, destinationAt);
    input.dispose();
    return null;
  }

  /** The batch ended: deliver received data, send ACKs, window updates and data once per connection. */
  flushPendingAcks(): void {
    this.#inBatch = false;
    this.#runOutput();
    this.timers.runDue(performance.now());
  }

  /**
   * Resets every connection (their sockets fail with ECONNABORTED) and stops listening and
   * timing. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    for (const connection of [...this.#table]) connection.abortForShutdown();
    this.#closed = true;
    this.#listeners.clear();
    this.timers.close();
  }

  // ------------------------------------------------------------------ TcpHost

  now(): number {
    return this.#inBatch ? this.#batchTime : performance.now();
  }

  requestOutput(connection: TcpConnection): void {
    if (!connection.outputQueued) {
      connection.outputQueued = true;
      this.#pending.push(connection);
    }
    if (!this.#inBatch) this.#scheduleOutput();
  }

  connectionEstablished(connection: TcpConnection): void {
    if (connection.inSynBacklog) {
      connection.inSynBacklog = false;
      this.#synReceivedCount--;
    }
    const listener = this.options.transparent
      ? this.#defaultListener
      : this.#listeners.get(connection.localPort);
    if (listener === undefined) {
      connection.abort(); // the listener went away during the handshake
      return;
    }
    this.stats.accepted++;
    const socket = new TcpSocket(connection, { allowHalfOpen: listener.allowHalfOpen });
    if (listener.noDelay) connection.setNoDelay(true);
    const dispatcher = listener.dispatcher;
    try {
      if (typeof dispatcher === "function") dispatcher(socket);
      else dispatcher.emit("connection", socket);
    } catch (error) {
      // A throwing connection listener is the application's bug, as with net.Server: surface it.
      socket.destroy();
      process.nextTick(() => {
        throw error;
      });
    }
  }

  connectionClosed(connection: TcpConnection): void {
    if (connection.inSynBacklog) {
      // Closed during the handshake (RST, timeout) before it was accepted.
      connection.inSynBacklog = false;
      this.#synReceivedCount--;
    }
    this.#table.remove(connection);
    this.stats.activeConnections--;
  }

  timeWaitChanged(_connection: TcpConnection, entered: boolean): void {
    this.stats.timeWaitConnections += entered ? 1 : -1;
  }

  takeChallengeAck(): boolean {
    const now = this.now();
    if (now - this.#challengeWindowStart >= 1000) {
      this.#challengeWindowStart = now;
      this.#challengeCount = 0;
    }
    if (this.#challengeCount >= this.options.challengeAckLimit) return false;
    this.#challengeCount++;
    return true;
  }

  // ------------------------------------------------------------------ inside

  #scheduleOutput(): void {
    if (this.#outputScheduled) return;
    this.#outputScheduled = true;
    queueMicrotask(this.#flushOnMicrotask);
  }

  #runOutput(): void {
    // Output may make more output (an application answering inside a "data" handler).
    for (let round = 0; round < 64 && this.#pending.length > 0; round++) {
      const connections = this.#pending;
      this.#pending = [];
      for (const connection of connections) connection.output();
    }
    if (this.#pending.length > 0) this.#scheduleOutput();
  }

  #onTcpPacket(ip: IpPacketView, addressLength: number, destinationAt: number): void {
    const stats = this.stats;
    const tcp = this.#tcp;
    if (!tcp.wrap(ip.bytes, ip.upperLayerOffset, ip.upperLayerLength)) {
      stats.malformedDrops++;
      return;
    }
    if (!upperLayerChecksumVerifies(ip)) {
      stats.badChecksumDrops++;
      return;
    }
    const seg = this.#segment;
    // RFC 9293 MUST-7: a malformed option is a dropped segment, never a crash.
    if (!tcp.readOptions(seg.options)) {
      stats.malformedDrops++;
      return;
    }
    stats.segmentsReceived++;
    seg.seq = tcp.sequenceNumber;
    seg.ack = tcp.acknowledgmentNumber;
    seg.flags = tcp.flags;
    seg.window = tcp.window;
    seg.payload = ip.bytes;
    seg.payloadOffset = tcp.payloadOffset;
    seg.payloadLength = tcp.payloadLength;
    const sourceAt = ip.version === 4 ? ip.offset + 12 : ip.offset + 8;
    const remotePort = tcp.sourcePort;
    const localPort = tcp.destinationPort;
    const now = this.now();
    let connection = this.#table.lookup(
      ip.bytes,
      sourceAt,
      destinationAt,
      addressLength,
      remotePort,
      localPort,
    );
    if (connection !== undefined) {
      if (
        connection.isTimeWait &&
        seg.syn &&
        !seg.hasAck &&
        !seg.rst &&
        connection.acceptsNewSynInTimeWait(seg)
      ) {
        connection.close(); // a new incarnation replaces the TIME-WAIT one (RFC 6191)
        connection = undefined;
      } else {
        connection.onSegment(seg, now);
        return;
      }
    }
    this.#onSegmentWithoutConnection(ip, sourceAt, destinationAt, addressLength, seg, now);
  }

  /** RFC 9293 §3.10.7.1 (CLOSED) and §3.10.7.2 (LISTEN). */
  #onSegmentWithoutConnection(
    ip: IpPacketView,
    sourceAt: number,
    destinationAt: number,
    addressLength: number,
    seg: IncomingSegment,
    now: number,
  ): void {
    const stats = this.stats;
    const localPort = this.#tcp.destinationPort;
    const remotePort = this.#tcp.sourcePort;
    if (seg.rst) return; // a RST is never answered
    if (seg.syn && seg.fin) {
      stats.malformedDrops++; // SYN+FIN opens nothing (as Linux): a scan, not a handshake
      return;
    }
    const listener = this.options.transparent
      ? this.#defaultListener
      : this.#listeners.get(localPort);
    if (
      listener !== undefined &&
      seg.hasAck &&
      !seg.syn &&
      this.#acceptCookie(ip, sourceAt, destinationAt, addressLength, seg, listener, now)
    ) {
      return;
    }
    if (seg.hasAck || !seg.syn || listener === undefined) {
      if (seg.syn && !seg.hasAck) stats.refused++;
      this.#sendResetFor(ip, sourceAt, destinationAt, addressLength, seg);
      return;
    }
    // A SYN for a listener.
    if (this.#table.size - stats.timeWaitConnections >= this.options.maxConnections) {
      stats.refused++;
      this.#sendResetFor(ip, sourceAt, destinationAt, addressLength, seg);
      return;
    }
    if (this.#synReceivedCount >= this.options.synBacklog) {
      if (this.options.synCookies)
        this.#sendCookieSynAck(ip, sourceAt, destinationAt, addressLength, seg, now);
      else stats.synBacklogDrops++;
      return;
    }
    const remote =
      addressLength === 4
        ? IpAddress.fromV4(readU32(ip.bytes, sourceAt))
        : IpAddress.fromV6Bytes(ip.bytes, sourceAt);
    const local = this.options.transparent
      ? addressLength === 4
        ? IpAddress.fromV4(readU32(ip.bytes, destinationAt))
        : IpAddress.fromV6Bytes(ip.bytes, destinationAt)
      : this.#address;
    const connection = new TcpConnection(
      this,
      local,
      localPort,
      remote,
      remotePort,
      true,
      this.#initialSequence(local, localPort, remote, remotePort, now),
      this.transmitter.randomSequenceNumber(),
      listener.noDelay,
    );
    this.#table.insert(connection);
    stats.activeConnections++;
    this.#synReceivedCount++;
    connection.inSynBacklog = true;
    connection.openPassive(seg);
  }

  /**
   * An ICMP error quoting a segment of one of our connections is ours to consume: path MTU
   * (RFC 1191, RFC 8201) or a soft error (RFC 1122 §4.2.3.9). Anything else is declined.
   */
  #onIcmp(ip: IpPacketView): boolean {
    const icmp = this.#icmp;
    if (!icmp.read(ip)) return false;
    const quoted = icmp.quoted;
    const addressLength = quoted.version === 4 ? 4 : 16;
    const sourceAt = quoted.version === 4 ? quoted.offset + 12 : quoted.offset + 8;
    const destinationAt = quoted.version === 4 ? quoted.offset + 16 : quoted.offset + 24;
    const bytes = quoted.bytes;
    const tcpAt = quoted.upperLayerOffset;
    const localPort = (bytes[tcpAt]! << 8) | bytes[tcpAt + 1]!;
    const remotePort = (bytes[tcpAt + 2]! << 8) | bytes[tcpAt + 3]!;
    // The quoted segment went from us (its source) to the peer (its destination).
    const connection = this.#table.lookup(
      bytes,
      destinationAt,
      sourceAt,
      addressLength,
      remotePort,
      localPort,
    );
    if (connection === undefined) return false;
    if (!connection.onIcmpError(icmp.kind, icmp.mtu, readU32(bytes, tcpAt + 4))) return false;
    this.stats.icmpErrorsReceived++;
    return true;
  }

  /** The SYN-ACK of RFC 4987 §3.6: its ISN is the cookie; no state is kept. */
  #sendCookieSynAck(
    ip: IpPacketView,
    sourceAt: number,
    destinationAt: number,
    addressLength: number,
    seg: IncomingSegment,
    now: number,
  ): void {
    const tuple = this.#tupleFromPacket(ip.bytes, sourceAt, destinationAt, addressLength);
    const peerMss = seg.options.maximumSegmentSize ?? (addressLength === 4 ? 536 : 1220);
    const cookie = this.#cookies.make(tuple, seg.seq, peerMss, now);
    const remote = addressFromPacket(ip.bytes, sourceAt, addressLength);
    const local = addressFromPacket(ip.bytes, destinationAt, addressLength);
    const writer = new SegmentWriter(
      local,
      remote,
      this.#tcp.destinationPort,
      this.#tcp.sourcePort,
    );
    const options = this.#controlOptions;
    options.reset();
    const peer = seg.options;
    const ours = this.options;
    options.mss = Math.min(ours.mtu - writer.ipHeaderLength - 20, 0xffff);
    const windowScale =
      ours.windowScaling && peer.windowScale !== undefined ? peer.windowScale : -1;
    if (windowScale >= 0) options.windowScale = windowScaleFor(ours.receiveBufferSize);
    const sackPermitted = ours.sack && peer.sackPermitted;
    options.sackPermitted = sackPermitted;
    if (ours.timestamps && peer.timestampValue !== undefined) {
      // Window scale and SACK-permitted ride in our TSval and come back in the ACK's echo.
      options.hasTimestamp = true;
      options.timestampValue = SynCookies.encodeTimestamp(
        (Math.floor(now) + this.#cookieTimestampOffset) >>> 0,
        { windowScale, sackPermitted },
      );
      options.timestampEcho = peer.timestampValue;
    } else {
      options.windowScale = -1; // without timestamps the cookie cannot remember these
      options.sackPermitted = false;
    }
    const buffer = this.transmitter.tryGetNextBuffer(writer.ipHeaderLength + 20 + options.length);
    if (buffer === undefined) {
      this.stats.transmitterBufferShortages++;
      return;
    }
    const at = writer.writeHeaders(
      buffer,
      cookie,
      seqAdd(seg.seq, 1),
      TcpFlags.syn | TcpFlags.ack,
      Math.min(ours.receiveBufferSize, 0xffff),
      options,
      0,
    );
    this.transmitter.sendBuffer(buffer, writer.finish(buffer, at));
    this.stats.segmentsSent++;
    this.stats.synCookiesSent++;
  }

  /** An ACK for a listener with no connection: if it returns a valid cookie, open the connection. */
  #acceptCookie(
    ip: IpPacketView,
    sourceAt: number,
    destinationAt: number,
    addressLength: number,
    seg: IncomingSegment,
    listener: Listener,
    now: number,
  ): boolean {
    if (!this.options.synCookies || seg.rst) return false;
    const tuple = this.#tupleFromPacket(ip.bytes, sourceAt, destinationAt, addressLength);
    const peerIsn = seqAdd(seg.seq, -1);
    const state = this.#cookies.check(tuple, peerIsn, seqAdd(seg.ack, -1), now);
    if (state === undefined) return false;
    if (this.#table.size - this.stats.timeWaitConnections >= this.options.maxConnections) {
      return false; // answered with RST by the caller
    }
    const echo = seg.options.timestampEchoReply;
    const timestamps = echo !== undefined && echo !== 0 && seg.options.timestampValue !== undefined;
    const carried = timestamps
      ? SynCookies.decodeTimestamp(echo)
      : { windowScale: -1, sackPermitted: false };
    const remote = addressFromPacket(ip.bytes, sourceAt, addressLength);
    const local = this.options.transparent
      ? addressFromPacket(ip.bytes, destinationAt, addressLength)
      : this.#address;
    const connection = new TcpConnection(
      this,
      local,
      this.#tcp.destinationPort,
      remote,
      this.#tcp.sourcePort,
      true,
      seqAdd(seg.ack, -1),
      this.#cookieTimestampOffset,
      listener.noDelay,
    );
    this.#table.insert(connection);
    this.stats.activeConnections++;
    this.stats.synCookiesAccepted++;
    connection.openFromCookie(seg, {
      mss: state.mss,
      windowScale: carried.windowScale,
      sackPermitted: carried.sackPermitted,
      timestamps,
    });
    if (!connection.isClosed) connection.onSegment(seg, now);
    return true;
  }

  /** The four-tuple's bytes as the ISN and cookie hashes take them: local, remote, ports. */
  #tupleFromPacket(
    bytes: Uint8Array,
    sourceAt: number,
    destinationAt: number,
    addressLength: number,
  ): Uint8Array {
    const tuple = this.#tupleBytes;
    tuple.fill(0);
    tuple.set(bytes.subarray(destinationAt, destinationAt + addressLength), 0);
    tuple.set(bytes.subarray(sourceAt, sourceAt + addressLength), 16);
    const localPort = this.#tcp.destinationPort;
    const remotePort = this.#tcp.sourcePort;
    tuple[32] = localPort >>> 8;
    tuple[33] = localPort & 0xff;
    tuple[34] = remotePort >>> 8;
    tuple[35] = remotePort & 0xff;
    return tuple;
  }

  /** RFC 9293 §3.10.7.1: SEQ = SEG.ACK for an ACK, else SEQ = 0 with ACK = SEG.SEQ + SEG.LEN. */
  #sendResetFor(
    ip: IpPacketView,
    sourceAt: number,
    destinationAt: number,
    addressLength: number,
    seg: IncomingSegment,
  ): void {
    const remote =
      addressLength === 4
        ? IpAddress.fromV4(readU32(ip.bytes, sourceAt))
        : IpAddress.fromV6Bytes(ip.bytes, sourceAt);
    const local =
      addressLength === 4
        ? IpAddress.fromV4(readU32(ip.bytes, destinationAt))
        : IpAddress.fromV6Bytes(ip.bytes, destinationAt);
    const writer = new SegmentWriter(
      local,
      remote,
      this.#tcp.destinationPort,
      this.#tcp.sourcePort,
    );
    const buffer = this.transmitter.tryGetNextBuffer(writer.ipHeaderLength + 20);
    if (buffer === undefined) {
      this.stats.transmitterBufferShortages++;
      return;
    }
    const options = this.#controlOptions;
    options.reset();
    const at = seg.hasAck
      ? writer.writeHeaders(buffer, seg.ack, 0, TcpFlags.rst, 0, options, 0)
      : writer.writeHeaders(
          buffer,
          0,
          seqAdd(seg.seq, seg.length),
          TcpFlags.rst | TcpFlags.ack,
          0,
          options,
          0,
        );
    this.transmitter.sendBuffer(buffer, writer.finish(buffer, at));
    this.stats.segmentsSent++;
    this.stats.resetsSent++;
  }

  #initialSequence(
    local: IpAddress,
    localPort: number,
    remote: IpAddress,
    remotePort: number,
    now: number,
  ): number {
    const tuple = this.#tupleBytes;
    tuple.fill(0);
    tuple.set(local.bytes, 0);
    tuple.set(remote.bytes, 16);
    tuple[32] = localPort >>> 8;
    tuple[33] = localPort & 0xff;
    tuple[34] = remotePort >>> 8;
    tuple[35] = remotePort & 0xff;
    return this.#isn.next(tuple, now);
  }

  #ephemeralPort(remote: IpAddress, local: IpAddress, remotePort: number): number {
    for (let tries = 0; tries < EPHEMERAL_COUNT; tries++) {
      const port = this.#nextEphemeral;
      this.#nextEphemeral =
        port + 1 >= EPHEMERAL_FIRST + EPHEMERAL_COUNT ? EPHEMERAL_FIRST : port + 1;
      if (!this.#table.has(remote.bytes, local.bytes, remotePort, port)) return port;
    }
    throw new TcpConfigurationError(
      "ADDRESS_IN_USE",
      `no free local port to ${remote.text}:${remotePort}`,
      { hint: "wait for connections in TIME-WAIT to end, or lower options.timeWaitMs" },
    );
  }
}

function readU32(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0
  );
}

function checkPort(name: string, port: number, allowZero: boolean): void {
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535) {
    throw new TcpConfigurationError(
      "INVALID_ARGUMENT",
      `${name} must be an integer from ${allowZero ? 0 : 1} to 65535, not ${String(port)}`,
    );
  }
}

/**
 * As `net.Server` does for the sockets it accepts: an `http.Server`/`https.Server` gets Nagle off
 * (their `noDelay` default) and a server's own `allowHalfOpen`; a plain function gets `net`'s defaults.
 */
function listenerFor(dispatcher: TcpDispatcher): Listener {
  if (typeof dispatcher === "function") {
    return { dispatcher, allowHalfOpen: false, noDelay: false };
  }
  if (
    typeof dispatcher !== "object" ||
    dispatcher === null ||
    typeof dispatcher.emit !== "function"
  ) {
    throw new TcpConfigurationError(
      "INVALID_ARGUMENT",
      "the dispatcher must be a function (socket) => void or an object with emit('connection', socket)",
      { hint: "pass an http.Server, net.Server or a connection listener" },
    );
  }
  const isHttp = dispatcher instanceof http.Server || dispatcher instanceof https.Server;
  const allowHalfOpen = (dispatcher as { allowHalfOpen?: unknown }).allowHalfOpen;
  return {
    dispatcher,
    allowHalfOpen: typeof allowHalfOpen === "boolean" ? allowHalfOpen : false,
    noDelay: isHttp,
  };
}

function addressFromPacket(bytes: Uint8Array, at: number, addressLength: number): IpAddress {
  return addressLength === 4
    ? IpAddress.fromV4(readU32(bytes, at))
    : IpAddress.fromV6Bytes(bytes, at);
}

/** Disposes a packet the receiver consumed entirely, returning the contract's `null`. */
function consumed(input: PacketOwner): null {
  input.dispose();
  return null;
}
