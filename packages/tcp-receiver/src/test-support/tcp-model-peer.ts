import {
  buildTcpPacket,
  fillUpperLayerChecksum,
  type IpFields,
  IpPacketView,
  IpProtocol,
  internetChecksum,
  parseIpv4Address,
  parseIpv6Address,
  seqAdd,
  seqDiff,
  seqGt,
  seqLt,
  TcpFlags,
  type TcpOptionFields,
  TcpOptions,
  TcpView,
  upperLayerChecksumVerifies,
} from "@magma/packets";

/** The two ends of one connection as the peer sees them: the peer, and the receiver under test. */
export interface PeerLink {
  readonly version: 4 | 6;
  readonly peerAddress: string;
  readonly peerPort: number;
  readonly localAddress: string;
  readonly localPort: number;
}

/** Ways to spoil a crafted segment so that a correct stack must drop or decline it. */
export type Corruption =
  /** A wrong TCP checksum: dropped. */
  | "checksum"
  /** A data offset below 5 words or past the segment: dropped. */
  | "data-offset"
  /** A TCP header shorter than 20 bytes inside a valid IP packet: dropped. */
  | "short-tcp"
  /** An IP length field beyond the bytes handed over: declined. */
  | "ip-length"
  /** Fewer bytes than an IP header: declined. */
  | "truncated";

export interface SegmentSpec {
  readonly seq: number;
  readonly ack?: number;
  readonly flags: number;
  readonly window: number;
  readonly payload?: Uint8Array;
  readonly options?: TcpOptionFields;
  /** Raw option bytes instead of `options` (for malformed ones); padded with end-of-list zeros. */
  readonly rawOptions?: Uint8Array;
  readonly urgentPointer?: number;
  readonly corrupt?: Corruption;
  /** Send from / to these ports instead of the link's (a port nobody listens on, say). */
  readonly sourcePort?: number;
  readonly destinationPort?: number;
  /** Address the packet to this address instead of the receiver's. */
  readonly destinationAddress?: string;
}

function addressBytes(text: string): Uint8Array {
  const v6 = parseIpv6Address(text);
  if (v6 === null) throw new Error(`not an IPv6 address: ${text}`);
  return v6;
}

function ipv4(text: string): number {
  const v4 = parseIpv4Address(text);
  if (v4 === null) throw new Error(`not an IPv4 address: ${text}`);
  return v4;
}

/** The IP layer of a packet from `source` to `destination`. */
export function ipFields(version: 4 | 6, source: string, destination: string): IpFields {
  return version === 4
    ? { version: 4, source: ipv4(source), destination: ipv4(destination), dontFragment: true }
    : { version: 6, source: addressBytes(source), destination: addressBytes(destination) };
}

/**
 * The byte a peer sends at sequence number `seq`: a hash of the number, so that every segment at
 * any sequence number carries consistent data, and a byte delivered twice or out of place shows.
 */
export function sequenceByte(seq: number, salt = 0): number {
  let x = Math.imul((seq ^ salt) >>> 0, 0x9e3779b1);
  x ^= x >>> 15;
  x = Math.imul(x, 0x85ebca77);
  x ^= x >>> 13;
  return x & 0xff;
}

/** `length` bytes of the peer's data starting at sequence number `seq`. */
export function sequenceBytes(seq: number, length: number, salt = 0): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = sequenceByte(seqAdd(seq, i), salt);
  return bytes;
}

/** Crafts one IPv4 or IPv6 TCP segment from the peer to the receiver. */
export function craftSegment(link: PeerLink, spec: SegmentSpec): Uint8Array {
  const ip = ipFields(link.version, link.peerAddress, spec.destinationAddress ?? link.localAddress);
  const payload = spec.payload ?? new Uint8Array(0);
  const raw = spec.rawOptions;
  const rawLength = raw === undefined ? 0 : (raw.length + 3) & ~3;
  if (rawLength > 40) throw new RangeError("raw options longer than 40 bytes");
  const body = new Uint8Array(rawLength + payload.length);
  if (raw !== undefined) body.set(raw);
  body.set(payload, rawLength);
  const target = new Uint8Array(60 + 40 + body.length);
  const length = buildTcpPacket(target, ip, {
    sourcePort: spec.sourcePort ?? link.peerPort,
    destinationPort: spec.destinationPort ?? link.localPort,
    sequenceNumber: spec.seq >>> 0,
    acknowledgmentNumber: (spec.ack ?? 0) >>> 0,
    flags: spec.flags,
    window: spec.window,
    urgentPointer: spec.urgentPointer,
    options: raw === undefined ? spec.options : undefined,
    payload: body,
  });
  if (length === 0) throw new RangeError("the crafted segment does not fit");
  const packet = target.slice(0, length);
  const view = new IpPacketView();
  if (!view.wrap(packet)) throw new Error(`crafted an unreadable packet: ${view.status}`);
  const tcpAt = view.upperLayerOffset;
  if (raw !== undefined) {
    packet[tcpAt + 12] = ((20 + rawLength) / 4) << 4;
    fillUpperLayerChecksum(view);
  }
  switch (spec.corrupt) {
    case undefined:
      break;
    case "checksum":
      packet[tcpAt + 16]! ^= 0x5a;
      break;
    case "data-offset": {
      const tcpLength = view.upperLayerLength;
      packet[tcpAt + 12] = (tcpLength < 60 ? 15 : spec.seq % 5) << 4;
      fillUpperLayerChecksum(view);
      break;
    }
    case "short-tcp": {
      const short = 12;
      if (link.version === 4) {
        const total = 20 + short;
        packet[2] = total >>> 8;
        packet[3] = total & 0xff;
        packet[10] = 0;
        packet[11] = 0;
        const checksum = internetChecksum(packet, 0, 20);
        packet[10] = checksum >>> 8;
        packet[11] = checksum & 0xff;
      } else {
        packet[4] = 0;
        packet[5] = short;
      }
      return packet.slice(0, tcpAt + short);
    }
    case "ip-length":
      return packet.slice(0, packet.length - 1);
    case "truncated":
      return packet.slice(0, Math.min(packet.length, 12));
  }
  return packet;
}

/** A UDP-looking packet to the receiver: not TCP, so it must be declined. */
export function craftNonTcp(link: PeerLink): Uint8Array {
  const packet = craftSegment(link, { seq: 0, flags: TcpFlags.ack, window: 0 });
  const view = new IpPacketView();
  view.wrap(packet);
  if (link.version === 4) {
    packet[9] = IpProtocol.udp;
    packet[10] = 0;
    packet[11] = 0;
    const checksum = internetChecksum(packet, 0, 20);
    packet[10] = checksum >>> 8;
    packet[11] = checksum & 0xff;
  } else {
    packet[6] = IpProtocol.udp;
  }
  return packet;
}

/** One segment the receiver sent, decoded, with what is wrong with it. */
export interface ParsedSegment {
  readonly version: 0 | 4 | 6;
  readonly source: string;
  readonly destination: string;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
  readonly window: number;
  readonly mss: number | undefined;
  readonly windowScale: number | undefined;
  readonly sackPermitted: boolean;
  readonly timestamp: { readonly value: number; readonly echo: number } | undefined;
  readonly sackBlocks: readonly (readonly [number, number])[];
  readonly payload: Uint8Array;
  /** Empty for a well-formed segment. */
  readonly problems: readonly string[];
}

const parseIp = new IpPacketView();
const parseTcp = new TcpView();
const parseOptions = new TcpOptions();

function formatAddress(bytes: Uint8Array, at: number, length: 4 | 16): string {
  if (length === 4) return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2)
    groups.push(((bytes[at + i]! << 8) | bytes[at + i + 1]!).toString(16));
  return groups.join(":");
}

/** Canonical text of an address, as `parseSegment` reports them. */
export function canonicalAddress(text: string): string {
  const v4 = parseIpv4Address(text);
  if (v4 !== null) {
    return `${v4 >>> 24}.${(v4 >>> 16) & 0xff}.${(v4 >>> 8) & 0xff}.${v4 & 0xff}`;
  }
  return formatAddress(addressBytes(text), 0, 16);
}

/**
 * Decodes a packet the receiver sent and lists what is wrong with it: IP version, lengths and
 * header checksum, protocol, fragmentation, TCP data offset, options, checksum, and flag
 * combinations no TCP sends (SYN with FIN or RST; no ACK outside a SYN or RST; SYN-only options
 * outside a SYN; a window-scale shift above 14; SACK blocks that are empty or not above the ACK).
 */
export function parseSegment(packet: Uint8Array): ParsedSegment {
  const problems: string[] = [];
  const empty: ParsedSegment = {
    version: 0,
    source: "",
    destination: "",
    sourcePort: 0,
    destinationPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    window: 0,
    mss: undefined,
    windowScale: undefined,
    sackPermitted: false,
    timestamp: undefined,
    sackBlocks: [],
    payload: new Uint8Array(0),
    problems,
  };
  const ip = parseIp;
  if (!ip.wrap(packet)) {
    problems.push(`IP header unreadable (${ip.status})`);
    return empty;
  }
  if (ip.version === 4) {
    const total = (packet[2]! << 8) | packet[3]!;
    if (total !== packet.length) problems.push(`IPv4 total length ${total} ≠ ${packet.length}`);
    if (internetChecksum(packet, 0, (packet[0]! & 0x0f) * 4) !== 0) {
      problems.push("bad IPv4 header checksum");
    }
  } else {
    const payloadLength = (packet[4]! << 8) | packet[5]!;
    if (payloadLength + 40 !== packet.length) {
      problems.push(`IPv6 payload length ${payloadLength} + 40 ≠ ${packet.length}`);
    }
  }
  if (ip.protocol !== IpProtocol.tcp) problems.push(`protocol ${ip.protocol} is not TCP`);
  if (ip.isFragment) problems.push("a fragment");
  const addressLength = ip.version === 4 ? 4 : 16;
  const source = formatAddress(packet, ip.version === 4 ? 12 : 8, addressLength);
  const destination = formatAddress(packet, ip.version === 4 ? 16 : 24, addressLength);
  const tcp = parseTcp;
  if (!tcp.wrap(ip.bytes, ip.upperLayerOffset, ip.upperLayerLength)) {
    problems.push(`TCP header unreadable (${tcp.status})`);
    return { ...empty, version: ip.version, source, destination };
  }
  if (!upperLayerChecksumVerifies(ip)) problems.push("bad TCP checksum");
  const options = parseOptions;
  if (!tcp.readOptions(options)) problems.push(`malformed TCP options (${options.status})`);
  const flags = tcp.flags;
  const syn = (flags & TcpFlags.syn) !== 0;
  const rst = (flags & TcpFlags.rst) !== 0;
  if (syn && (flags & TcpFlags.fin) !== 0) problems.push("SYN with FIN");
  if (syn && rst) problems.push("SYN with RST");
  if (!syn && !rst && (flags & TcpFlags.ack) === 0)
    problems.push("no ACK bit outside a SYN or RST");
  if (!syn && options.maximumSegmentSize !== undefined) problems.push("MSS option outside a SYN");
  if (!syn && options.windowScale !== undefined) problems.push("window-scale option outside a SYN");
  if (!syn && options.sackPermitted) problems.push("SACK-permitted option outside a SYN");
  if (options.windowScale !== undefined && options.windowScale > 14) {
    problems.push(`window scale ${options.windowScale} above 14`);
  }
  const sackBlocks: [number, number][] = [];
  for (let i = 0; i < options.sackBlockCount; i++) {
    const left = options.sackBlocks[2 * i]!;
    const right = options.sackBlocks[2 * i + 1]!;
    sackBlocks.push([left, right]);
    if (!seqLt(left, right)) problems.push(`empty SACK block [${left}, ${right})`);
    if (!seqGt(left, tcp.acknowledgmentNumber)) {
      problems.push(`SACK block [${left}, ${right}) not above the ACK ${tcp.acknowledgmentNumber}`);
    }
  }
  return {
    version: ip.version,
    source,
    destination,
    sourcePort: tcp.sourcePort,
    destinationPort: tcp.destinationPort,
    seq: tcp.sequenceNumber,
    ack: tcp.acknowledgmentNumber,
    flags,
    window: tcp.window,
    mss: options.maximumSegmentSize,
    windowScale: options.windowScale,
    sackPermitted: options.sackPermitted,
    timestamp:
      options.timestampValue === undefined
        ? undefined
        : { value: options.timestampValue, echo: options.timestampEchoReply ?? 0 },
    sackBlocks,
    payload: packet.slice(tcp.payloadOffset, tcp.payloadOffset + tcp.payloadLength),
    problems,
  };
}

/** A short text for a segment, as tcpdump would print it: flags, seq, ack, window, length. */
export function describeSegment(segment: {
  readonly flags: number;
  readonly seq: number;
  readonly ack: number;
  readonly window: number;
  readonly payload: Uint8Array;
}): string {
  const names: [number, string][] = [
    [TcpFlags.syn, "S"],
    [TcpFlags.fin, "F"],
    [TcpFlags.rst, "R"],
    [TcpFlags.psh, "P"],
    [TcpFlags.ack, "."],
    [TcpFlags.urg, "U"],
    [TcpFlags.ece, "E"],
    [TcpFlags.cwr, "W"],
  ];
  const flags = names
    .filter(([bit]) => (segment.flags & bit) !== 0)
    .map(([, name]) => name)
    .join("");
  return `[${flags}] seq ${segment.seq} ack ${segment.ack} win ${segment.window} len ${segment.payload.length}`;
}

/** The options a peer offers in its SYN or SYN-ACK. */
export interface HandshakeOptions {
  readonly mss?: number | undefined;
  readonly windowScale?: number | undefined;
  readonly sackPermitted?: boolean | undefined;
  readonly timestamps?: boolean | undefined;
}

/**
 * The peer's side of one connection, as simple as a TCP can be and still hold the receiver to
 * account: it remembers what it sent (its ISS, SND.NXT, its FIN), learns the receiver's ISS, window,
 * scale and options from the segments the receiver sends (`receive`), reassembles the receiver's
 * data (`received`, with SACK blocks for what lies beyond a hole), and crafts segments that carry
 * the right ACK, window and options unless told otherwise. Its data is `sequenceBytes`: the byte
 * at each sequence number is fixed, so any segment at any sequence number is consistent.
 */
export class ModelPeer {
  readonly link: PeerLink;
  readonly handshake: HandshakeOptions;
  iss: number;
  /** The next sequence number of new data (after the SYN and what was sent). */
  sndNxt: number;
  /** The receiver's latest cumulative ACK of our data. */
  sndUna: number;
  /** Bytes we advertise. */
  window: number;
  /** Our timestamp clock. */
  tsClock: number;

  /** Learned from the receiver's SYN or SYN-ACK. */
  stackIss: number | undefined;
  stackOptions: HandshakeOptions = {};
  /** The next sequence number we expect from the receiver. */
  rcvNxt = 0;
  /** The receiver's latest timestamp value (what we echo). */
  tsRecent = 0;
  /** The receiver's advertised right edge (ACK + scaled window), from its latest segment. */
  stackRightEdge = 0;
  stackFinReceived = false;
  stackReset = false;

  /** The receiver's data, in order. */
  readonly #received: Uint8Array[] = [];
  #receivedLength = 0;
  /** Out-of-order data from the receiver, by offset from its ISS + 1. */
  #outOfOrder = new Map<number, Uint8Array>();
  #stackFinOffset = -1;

  constructor(
    link: PeerLink,
    options: {
      iss: number;
      handshake?: HandshakeOptions;
      window?: number;
      tsClock?: number;
    },
  ) {
    this.link = link;
    this.handshake = options.handshake ?? {};
    this.iss = options.iss >>> 0;
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndUna = this.iss;
    this.window = options.window ?? 65535;
    this.tsClock = (options.tsClock ?? 1) >>> 0;
  }

  /** Window scaling is in force: both SYNs carried the option. */
  get windowScalingAgreed(): boolean {
    return this.handshake.windowScale !== undefined && this.stackOptions.windowScale !== undefined;
  }
  /** The shift that applies to the windows we send. */
  get ourScale(): number {
    return this.windowScalingAgreed ? Math.min(this.handshake.windowScale!, 14) : 0;
  }
  /** The shift that applies to the receiver's windows. */
  get stackScale(): number {
    return this.windowScalingAgreed ? Math.min(this.stackOptions.windowScale!, 14) : 0;
  }
  get timestampsAgreed(): boolean {
    return this.handshake.timestamps === true && this.stackOptions.timestamps === true;
  }
  get sackAgreed(): boolean {
    return this.handshake.sackPermitted === true && this.stackOptions.sackPermitted === true;
  }

  /** The receiver's data received in order so far. */
  get received(): Uint8Array {
    const all = Buffer.concat(this.#received, this.#receivedLength);
    this.#received.length = 0;
    this.#received.push(all);
    return all;
  }
  get receivedLength(): number {
    return this.#receivedLength;
  }
  /** Bytes of the receiver's data held beyond a hole. */
  get outOfOrderBytes(): number {
    let bytes = 0;
    for (const chunk of this.#outOfOrder.values()) bytes += chunk.length;
    return bytes;
  }

  /** Starts over with a new ISS (a new incarnation of the connection). */
  restart(iss: number): void {
    this.iss = iss >>> 0;
    this.sndNxt = seqAdd(this.iss, 1);
    this.sndUna = this.iss;
    this.stackIss = undefined;
    this.stackOptions = {};
    this.rcvNxt = 0;
    this.stackFinReceived = false;
    this.stackReset = false;
    this.#received.length = 0;
    this.#receivedLength = 0;
    this.#outOfOrder = new Map();
    this.#stackFinOffset = -1;
  }

  /** Our SYN-time options as `TcpOptionFields`. */
  synOptions(echo = 0): TcpOptionFields {
    const h = this.handshake;
    return {
      maximumSegmentSize: h.mss,
      windowScale: h.windowScale,
      sackPermitted: h.sackPermitted === true ? true : undefined,
      timestamp: h.timestamps === true ? { value: this.#tick(), echoReply: echo } : undefined,
    };
  }

  /** Options for a segment after the handshake: a timestamp if agreed, SACK blocks if any. */
  segmentOptions(sackBlocks: number = this.timestampsAgreed ? 3 : 4): TcpOptionFields {
    const blocks = this.sackAgreed && sackBlocks > 0 ? this.sackBlocks(sackBlocks) : [];
    return {
      timestamp: this.timestampsAgreed
        ? { value: this.#tick(), echoReply: this.tsRecent }
        : undefined,
      sackBlocks: blocks.length > 0 ? blocks : undefined,
    };
  }

  /** The window field for `bytes`, scaled as agreed. */
  windowField(bytes: number = this.window): number {
    return Math.min(Math.floor(bytes / 2 ** this.ourScale), 0xffff);
  }

  #tick(): number {
    this.tsClock = seqAdd(this.tsClock, 1);
    return this.tsClock;
  }

  /** Our SYN (active open by the peer). */
  syn(): SegmentSpec {
    return {
      seq: this.iss,
      flags: TcpFlags.syn,
      window: Math.min(this.window, 0xffff),
      options: this.synOptions(),
    };
  }

  /** Our SYN-ACK to the receiver's SYN (it did the active open). */
  synAck(): SegmentSpec {
    return {
      seq: this.iss,
      ack: this.rcvNxt,
      flags: TcpFlags.syn | TcpFlags.ack,
      window: Math.min(this.window, 0xffff),
      options: this.synOptions(this.tsRecent),
    };
  }

  /**
   * A segment with our data from sequence number `seq` (`length` bytes) and the current ACK,
   * window and options; `fin` adds our FIN after it. Moves SND.NXT past what it covers.
   */
  data(seq: number, length: number, extra: { fin?: boolean; ackDelta?: number } = {}): SegmentSpec {
    const fin = extra.fin === true;
    this.noteSent(seq, length + (fin ? 1 : 0));
    return {
      seq,
      ack: seqAdd(this.rcvNxt, extra.ackDelta ?? 0),
      flags: TcpFlags.ack | (fin ? TcpFlags.fin : 0),
      window: this.windowField(),
      payload: sequenceBytes(seq, length),
      options: this.segmentOptions(),
    };
  }

  /** Moves SND.NXT past `length` sequence numbers sent from `seq` if they reach beyond it. */
  noteSent(seq: number, length: number): void {
    const end = seqAdd(seq, length);
    if (!seqGt(seq, this.sndNxt) && seqGt(end, this.sndNxt)) this.sndNxt = end;
  }

  /** A pure ACK of everything received so far, with SACK blocks for what lies beyond. */
  ack(): SegmentSpec {
    return {
      seq: this.sndNxt,
      ack: this.rcvNxt,
      flags: TcpFlags.ack,
      window: this.windowField(),
      options: this.segmentOptions(),
    };
  }

  /** Up to `max` SACK blocks for the receiver's data held beyond a hole, first the highest. */
  sackBlocks(max: number): [number, number][] {
    if (this.stackIss === undefined || this.#outOfOrder.size === 0) return [];
    const ranges = [...this.#outOfOrder.entries()]
      .map(([offset, chunk]) => [offset, offset + chunk.length] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const range of ranges) {
      const last = merged[merged.length - 1];
      if (last !== undefined && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push([range[0], range[1]]);
    }
    const base = seqAdd(this.stackIss, 1);
    return merged
      .reverse()
      .slice(0, max)
      .map(([left, right]) => [seqAdd(base, left), seqAdd(base, right)]);
  }

  /**
   * Takes in one segment the receiver sent to us: its SYN (ISS, options), its ACK and window, its
   * data (in order, or kept for SACK) and its FIN.
   */
  receive(segment: ParsedSegment): void {
    const flags = segment.flags;
    if ((flags & TcpFlags.rst) !== 0) {
      this.stackReset = true;
      return;
    }
    if ((flags & TcpFlags.syn) !== 0) {
      if (this.stackIss !== segment.seq) {
        this.stackIss = segment.seq;
        this.rcvNxt = seqAdd(segment.seq, 1);
        this.#received.length = 0;
        this.#receivedLength = 0;
        this.#outOfOrder = new Map();
        this.#stackFinOffset = -1;
        this.stackFinReceived = false;
      }
      this.stackOptions = {
        mss: segment.mss,
        windowScale: segment.windowScale,
        sackPermitted: segment.sackPermitted,
        timestamps: segment.timestamp !== undefined,
      };
    }
    if (segment.timestamp !== undefined) this.tsRecent = segment.timestamp.value;
    if ((flags & TcpFlags.ack) !== 0) {
      if (seqGt(segment.ack, this.sndUna)) this.sndUna = segment.ack;
      const scale = (flags & TcpFlags.syn) !== 0 ? 0 : this.stackScale;
      this.stackRightEdge = seqAdd(segment.ack, segment.window * 2 ** scale);
    }
    if (this.stackIss === undefined) return;
    const base = seqAdd(this.stackIss, 1);
    const dataSeq = (flags & TcpFlags.syn) !== 0 ? seqAdd(segment.seq, 1) : segment.seq;
    const offset = seqDiff(dataSeq, base);
    const length = segment.payload.length;
    if (length > 0 && offset + length > this.#receivedLength) {
      if (offset <= this.#receivedLength) {
        this.#append(segment.payload.subarray(this.#receivedLength - offset));
      } else {
        const held = this.#outOfOrder.get(offset);
        if (held === undefined || held.length < length) {
          this.#outOfOrder.set(offset, segment.payload.slice());
        }
      }
    }
    if ((flags & TcpFlags.fin) !== 0) this.#stackFinOffset = offset + length;
    this.#advance();
  }

  #append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#received.push(bytes.slice());
    this.#receivedLength += bytes.length;
  }

  #advance(): void {
    if (this.stackIss === undefined) return;
    let moved = true;
    while (moved) {
      moved = false;
      for (const [offset, chunk] of this.#outOfOrder) {
        if (offset <= this.#receivedLength) {
          this.#outOfOrder.delete(offset);
          if (offset + chunk.length > this.#receivedLength) {
            this.#append(chunk.subarray(this.#receivedLength - offset));
            moved = true;
          }
        }
      }
    }
    if (this.#stackFinOffset >= 0 && this.#stackFinOffset === this.#receivedLength) {
      this.stackFinReceived = true;
    }
    const base = seqAdd(this.stackIss, 1);
    this.rcvNxt = seqAdd(base, this.#receivedLength + (this.stackFinReceived ? 1 : 0));
  }
}
