import { checksumFromSum, onesComplementSum, TcpOptionKind } from "@magma/packets";
import type { IpAddress } from "./ip-address.js";

const TCP_PROTOCOL = 6;
const TCP_HEADER_LENGTH = 20;

/** Options for one outgoing segment; a connection reuses one object (nothing allocated per segment). */
export class OutgoingOptions {
  /** MSS option (SYN only), or 0 for none. */
  mss = 0;
  /** Window-scale shift (SYN only), or -1 for none. */
  windowScale = -1;
  sackPermitted = false;
  hasTimestamp = false;
  timestampValue = 0;
  timestampEcho = 0;
  sackBlockCount = 0;
  readonly sackBlocks = new Uint32Array(8);

  reset(): void {
    this.mss = 0;
    this.windowScale = -1;
    this.sackPermitted = false;
    this.hasTimestamp = false;
    this.sackBlockCount = 0;
  }

  /** The bytes these options take, a multiple of 4, in the layout `write` uses. */
  get length(): number {
    let length = 0;
    if (this.mss !== 0) length += 4;
    if (this.hasTimestamp) length += 12;
    else if (this.sackPermitted) length += 4;
    if (this.windowScale >= 0) length += 4;
    if (this.sackBlockCount > 0) length += 4 + 8 * this.sackBlockCount;
    return length;
  }
}

function writeU32(target: Uint8Array, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = (value >>> 16) & 0xff;
  target[at + 2] = (value >>> 8) & 0xff;
  target[at + 3] = value & 0xff;
}

/**
 * Builds one connection's segments straight into transmitter buffers: the IP header and the
 * ports come from a template made once per connection, the pseudo-header's address sum is
 * precomputed, and the caller copies the payload in between `writeHeaders` and `finish`.
 * IPv4 segments carry DF and identification 0 (RFC 6864 §4.1, atomic datagrams; path MTU
 * discovery per RFC 1191).
 */
export class SegmentWriter {
  readonly ipHeaderLength: 20 | 40;
  readonly #template: Uint8Array;
  /** Unfolded sum of both addresses and the protocol, for the TCP pseudo-header. */
  readonly #addressSum: number;

  constructor(local: IpAddress, remote: IpAddress, localPort: number, remotePort: number) {
    const v6 = local.family === 6;
    this.ipHeaderLength = v6 ? 40 : 20;
    const template = new Uint8Array(this.ipHeaderLength + 4);
    if (v6) {
      template[0] = 0x60;
      template[6] = TCP_PROTOCOL;
      template[7] = 64;
      template.set(local.bytes, 8);
      template.set(remote.bytes, 24);
    } else {
      template[0] = 0x45;
      template[6] = 0x40; // DF
      template[8] = 64;
      template[9] = TCP_PROTOCOL;
      template.set(local.bytes, 12);
      template.set(remote.bytes, 16);
    }
    const ports = this.ipHeaderLength;
    template[ports] = localPort >>> 8;
    template[ports + 1] = localPort & 0xff;
    template[ports + 2] = remotePort >>> 8;
    template[ports + 3] = remotePort & 0xff;
    this.#template = template;
    const addressOffset = v6 ? 8 : 12;
    this.#addressSum = onesComplementSum(template, addressOffset, v6 ? 32 : 8, TCP_PROTOCOL);
  }

  /**
   * Writes the IP and TCP headers for a segment with `payloadLength` bytes of payload and returns
   * the offset where the payload goes. `target` must hold the whole packet.
   */
  writeHeaders(
    target: Uint8Array,
    seq: number,
    ack: number,
    flags: number,
    window: number,
    options: OutgoingOptions,
    payloadLength: number,
  ): number {
    const ip = this.ipHeaderLength;
    const optionsLength = options.length;
    const tcpLength = TCP_HEADER_LENGTH + optionsLength + payloadLength;
    target.set(this.#template, 0);
    if (ip === 40) {
      target[4] = tcpLength >>> 8;
      target[5] = tcpLength & 0xff;
    } else {
      const total = ip + tcpLength;
      target[2] = total >>> 8;
      target[3] = total & 0xff;
      target[10] = 0;
      target[11] = 0;
      const checksum = checksumFromSum(onesComplementSum(target, 0, 20));
      target[10] = checksum >>> 8;
      target[11] = checksum & 0xff;
    }
    writeU32(target, ip + 4, seq);
    writeU32(target, ip + 8, ack);
    target[ip + 12] = ((TCP_HEADER_LENGTH + optionsLength) / 4) << 4;
    target[ip + 13] = flags;
    target[ip + 14] = window >>> 8;
    target[ip + 15] = window & 0xff;
    target[ip + 16] = 0;
    target[ip + 17] = 0;
    target[ip + 18] = 0;
    target[ip + 19] = 0;
    if (optionsLength > 0) writeOptions(target, ip + TCP_HEADER_LENGTH, options);
    return ip + TCP_HEADER_LENGTH + optionsLength;
  }

  /** Computes the TCP checksum once the payload is in place; returns the packet's length. */
  finish(target: Uint8Array, payloadEnd: number): number {
    const ip = this.ipHeaderLength;
    const tcpLength = payloadEnd - ip;
    const sum = onesComplementSum(target, ip, tcpLength, this.#addressSum + tcpLength);
    const checksum = checksumFromSum(sum);
    target[ip + 16] = checksum >>> 8;
    target[ip + 17] = checksum & 0xff;
    return payloadEnd;
  }
}

/** The layout Linux uses: MSS; SACK-permitted beside timestamps (or NOP-padded); NOP + WS; SACK. */
function writeOptions(target: Uint8Array, offset: number, options: OutgoingOptions): void {
  let at = offset;
  if (options.mss !== 0) {
    target[at] = TcpOptionKind.maximumSegmentSize;
    target[at + 1] = 4;
    target[at + 2] = options.mss >>> 8;
    target[at + 3] = options.mss & 0xff;
    at += 4;
  }
  if (options.hasTimestamp) {
    target[at] = options.sackPermitted ? TcpOptionKind.sackPermitted : TcpOptionKind.noOperation;
    target[at + 1] = options.sackPermitted ? 2 : TcpOptionKind.noOperation;
    target[at + 2] = TcpOptionKind.timestamps;
    target[at + 3] = 10;
    writeU32(target, at + 4, options.timestampValue);
    writeU32(target, at + 8, options.timestampEcho);
    at += 12;
  } else if (options.sackPermitted) {
    target[at] = TcpOptionKind.noOperation;
    target[at + 1] = TcpOptionKind.noOperation;
    target[at + 2] = TcpOptionKind.sackPermitted;
    target[at + 3] = 2;
    at += 4;
  }
  if (options.windowScale >= 0) {
    target[at] = TcpOptionKind.noOperation;
    target[at + 1] = TcpOptionKind.windowScale;
    target[at + 2] = 3;
    target[at + 3] = options.windowScale;
    at += 4;
  }
  const blocks = options.sackBlockCount;
  if (blocks > 0) {
    target[at] = TcpOptionKind.noOperation;
    target[at + 1] = TcpOptionKind.noOperation;
    target[at + 2] = TcpOptionKind.sack;
    target[at + 3] = 2 + 8 * blocks;
    at += 4;
    for (let i = 0; i < blocks * 2; i++) {
      writeU32(target, at, options.sackBlocks[i]!);
      at += 4;
    }
  }
}
