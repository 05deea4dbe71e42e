import { checkLength } from "./byte-range.js";
import { ICMP_ECHO_HEADER_LENGTH, Icmpv4Type, Icmpv6Type } from "./icmp-echo.js";
import { checksumFromSum, onesComplementSum } from "./internet-checksum.js";
import { IpProtocol } from "./ip-protocol.js";
import { type Ipv4HeaderFields, ipv4HeaderLength, writeIpv4HeaderWithProtocol } from "./ipv4.js";
import { type Ipv6HeaderFields, ipv6HeaderLength, writeIpv6HeaderWithProtocol } from "./ipv6.js";
import { ipv4PseudoHeaderSum, ipv6PseudoHeaderSum } from "./pseudo-header.js";
import { TCP_MIN_HEADER_LENGTH } from "./tcp.js";
import { type TcpOptionFields, tcpOptionsLength, writeTcpOptions } from "./tcp-options.js";
import { UDP_HEADER_LENGTH } from "./udp.js";

/** The IP layer of a packet to build; `version` picks IPv4 or IPv6, the builder sets the protocol. */
export type IpFields =
  | (Omit<Ipv4HeaderFields, "protocol"> & { readonly version: 4 })
  | (Omit<Ipv6HeaderFields, "protocol"> & { readonly version: 6 });

/**
 * The payload: either `payload`, copied in, or `payloadLength` bytes the caller has already
 * written at `target[headerLength ..]` (zero-copy: get the offset from the `*HeaderLength` helpers).
 * A `payloadLength` that is not a non-negative integer is a RangeError.
 */
export interface PayloadFields {
  readonly payload?: Uint8Array | undefined;
  readonly payloadLength?: number | undefined;
}

export interface UdpFields extends PayloadFields {
  readonly sourcePort: number;
  readonly destinationPort: number;
}

export interface TcpFields extends PayloadFields {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly sequenceNumber: number;
  /** [0] */
  readonly acknowledgmentNumber?: number | undefined;
  /** `TcpFlags` bits. */
  readonly flags: number;
  readonly window: number;
  /** [0] */
  readonly urgentPointer?: number | undefined;
  readonly options?: TcpOptionFields | undefined;
}

export interface IcmpEchoFields extends PayloadFields {
  /** Echo reply instead of echo request [false]. */
  readonly reply?: boolean | undefined;
  readonly identifier: number;
  readonly sequenceNumber: number;
}

/** The length of the IP header(s) that a builder writes before the upper-layer header. */
export function ipHeaderLength(ip: IpFields): number {
  return ip.version === 4 ? ipv4HeaderLength(ip) : ipv6HeaderLength(ip);
}

function payloadLengthOf(fields: PayloadFields): number {
  return fields.payload?.length ?? fields.payloadLength ?? 0;
}

function checkPayloadLength(where: string, fields: PayloadFields): void {
  if (fields.payload === undefined && fields.payloadLength !== undefined) {
    checkLength(where, "payloadLength", fields.payloadLength);
  }
}

/**
 * Writes the IP header(s), places the payload, and returns where the upper-layer header starts,
 * or -1 when the whole packet would not fit.
 */
function writeIpAndPayload(
  target: Uint8Array,
  ip: IpFields,
  protocol: number,
  upperHeaderLength: number,
  payloadFields: PayloadFields,
): number {
  const upperLength = upperHeaderLength + payloadLengthOf(payloadFields);
  const headerLength =
    ip.version === 4
      ? writeIpv4HeaderWithProtocol(target, 0, ip, protocol, upperLength)
      : writeIpv6HeaderWithProtocol(target, 0, ip, protocol, upperLength);
  if (headerLength === 0) return -1;
  if (payloadFields.payload !== undefined) {
    target.set(payloadFields.payload, headerLength + upperHeaderLength);
  }
  return headerLength;
}

function pseudoHeaderSum(
  target: Uint8Array,
  ip: IpFields,
  protocol: number,
  upperLength: number,
): number {
  return ip.version === 4
    ? ipv4PseudoHeaderSum(target, 0, protocol, upperLength)
    : ipv6PseudoHeaderSum(target, 0, protocol, upperLength);
}

function writeU16(target: Uint8Array, at: number, value: number): void {
  target[at] = (value >>> 8) & 0xff;
  target[at + 1] = value & 0xff;
}

function writeU32(target: Uint8Array, at: number, value: number): void {
  writeU16(target, at, value >>> 16);
  writeU16(target, at + 2, value & 0xffff);
}

/**
 * Writes a whole IPv4 or IPv6 UDP datagram at the start of `target` (a pool slot, say), with
 * lengths and both checksums filled. Returns the packet length, or 0 when it does not fit. Throws
 * RangeError for the IP fields `writeIpv4Header` and `writeIpv6Header` refuse, and for a
 * `payloadLength` that is not a non-negative integer.
 */
export function buildUdpPacket(target: Uint8Array, ip: IpFields, udp: UdpFields): number {
  checkPayloadLength("buildUdpPacket", udp);
  const at = writeIpAndPayload(target, ip, IpProtocol.udp, UDP_HEADER_LENGTH, udp);
  if (at < 0) return 0;
  const length = UDP_HEADER_LENGTH + payloadLengthOf(udp);
  writeU16(target, at, udp.sourcePort);
  writeU16(target, at + 2, udp.destinationPort);
  writeU16(target, at + 4, length);
  writeU16(target, at + 6, 0);
  const seed = pseudoHeaderSum(target, ip, IpProtocol.udp, length);
  const checksum = checksumFromSum(onesComplementSum(target, at, length, seed));
  writeU16(target, at + 6, checksum === 0 ? 0xffff : checksum);
  return at + length;
}

/** The TCP header length `buildTcpPacket` writes for these fields (20 plus padded options). */
export function tcpHeaderLength(tcp: Pick<TcpFields, "options">): number {
  return TCP_MIN_HEADER_LENGTH + (tcp.options === undefined ? 0 : tcpOptionsLength(tcp.options));
}

/**
 * Writes a whole IPv4 or IPv6 TCP segment at the start of `target`, options included, with the
 * data offset, lengths and both checksums filled. Returns the packet length, or 0 when it does
 * not fit. Throws RangeError for options that exceed 40 bytes, and as `buildUdpPacket` does.
 */
export function buildTcpPacket(target: Uint8Array, ip: IpFields, tcp: TcpFields): number {
  checkPayloadLength("buildTcpPacket", tcp);
  const headerLength = tcpHeaderLength(tcp);
  const at = writeIpAndPayload(target, ip, IpProtocol.tcp, headerLength, tcp);
  if (at < 0) return 0;
  const length = headerLength + payloadLengthOf(tcp);
  writeU16(target, at, tcp.sourcePort);
  writeU16(target, at + 2, tcp.destinationPort);
  writeU32(target, at + 4, tcp.sequenceNumber);
  writeU32(target, at + 8, tcp.acknowledgmentNumber ?? 0);
  target[at + 12] = (headerLength / 4) << 4;
  target[at + 13] = tcp.flags & 0xff;
  writeU16(target, at + 14, tcp.window);
  writeU16(target, at + 16, 0);
  writeU16(target, at + 18, tcp.urgentPointer ?? 0);
  if (tcp.options !== undefined) writeTcpOptions(target, at + TCP_MIN_HEADER_LENGTH, tcp.options);
  const seed = pseudoHeaderSum(target, ip, IpProtocol.tcp, length);
  writeU16(target, at + 16, checksumFromSum(onesComplementSum(target, at, length, seed)));
  return at + length;
}

/**
 * Writes a whole ICMPv4 (over IPv4) or ICMPv6 (over IPv6, pseudo-header in the checksum) echo
 * request or reply at the start of `target`. Returns the packet length, or 0 when it does not fit.
 * Throws RangeError as `buildUdpPacket` does.
 */
export function buildIcmpEchoPacket(
  target: Uint8Array,
  ip: IpFields,
  echo: IcmpEchoFields,
): number {
  checkPayloadLength("buildIcmpEchoPacket", echo);
  const protocol = ip.version === 4 ? IpProtocol.icmp : IpProtocol.icmpv6;
  const at = writeIpAndPayload(target, ip, protocol, ICMP_ECHO_HEADER_LENGTH, echo);
  if (at < 0) return 0;
  const length = ICMP_ECHO_HEADER_LENGTH + payloadLengthOf(echo);
  const reply = echo.reply === true;
  if (ip.version === 4) target[at] = reply ? Icmpv4Type.echoReply : Icmpv4Type.echoRequest;
  else target[at] = reply ? Icmpv6Type.echoReply : Icmpv6Type.echoRequest;
  target[at + 1] = 0;
  writeU16(target, at + 2, 0);
  writeU16(target, at + 4, echo.identifier);
  writeU16(target, at + 6, echo.sequenceNumber);
  const seed = ip.version === 4 ? 0 : ipv6PseudoHeaderSum(target, 0, protocol, length);
  writeU16(target, at + 2, checksumFromSum(onesComplementSum(target, at, length, seed)));
  return at + length;
}
