export { updateChecksum16, updateChecksum32 } from "./checksum-update.js";
export {
  ICMP_ECHO_HEADER_LENGTH,
  type IcmpEchoStatus,
  IcmpEchoView,
  Icmpv4Type,
  Icmpv6Type,
} from "./icmp-echo.js";
export {
  checksumFromSum,
  foldChecksumSum,
  internetChecksum,
  onesComplementSum,
} from "./internet-checksum.js";
export {
  formatIpv4Address,
  formatIpv6Address,
  parseIpv4Address,
  parseIpv6Address,
} from "./ip-address.js";
export { type IpPacketStatus, IpPacketView } from "./ip-packet-view.js";
export { IpProtocol, type IpProtocolName } from "./ip-protocol.js";
export {
  IPV4_MAX_OPTIONS_LENGTH,
  IPV4_MIN_HEADER_LENGTH,
  type Ipv4HeaderFields,
  type Ipv4Status,
  Ipv4View,
  ipv4HeaderLength,
  writeIpv4Header,
} from "./ipv4.js";
export {
  IPV6_HEADER_LENGTH,
  IPV6_MAX_EXTENSION_HEADERS,
  type Ipv6ExtensionHeader,
  type Ipv6HeaderFields,
  type Ipv6Status,
  Ipv6View,
  ipv6HeaderLength,
  writeIpv6Header,
} from "./ipv6.js";
export { OptionCursor, type OptionCursorStatus } from "./option-cursor.js";
export {
  buildIcmpEchoPacket,
  buildTcpPacket,
  buildUdpPacket,
  type IcmpEchoFields,
  type IpFields,
  ipHeaderLength,
  type PayloadFields,
  type TcpFields,
  tcpHeaderLength,
  type UdpFields,
} from "./packet-builders.js";
export { ipv4PseudoHeaderSum, ipv6PseudoHeaderSum } from "./pseudo-header.js";
export {
  REPLY_HOP_LIMIT,
  type ReplyResult,
  turnEchoRequestIntoReply,
  turnUdpIntoReply,
} from "./reply-in-place.js";
export {
  seqAdd,
  seqDiff,
  seqGt,
  seqGte,
  seqInWindow,
  seqLt,
  seqLte,
} from "./sequence-number.js";
export { TCP_MIN_HEADER_LENGTH, TcpFlags, type TcpStatus, TcpView } from "./tcp.js";
export {
  readTcpOptions,
  TCP_MAX_OPTIONS_LENGTH,
  TCP_MAX_SACK_BLOCKS,
  type TcpOptionFields,
  TcpOptionKind,
  TcpOptions,
  type TcpOptionsStatus,
  tcpOptionsLength,
  writeTcpOptions,
} from "./tcp-options.js";
export { UDP_HEADER_LENGTH, type UdpStatus, UdpView } from "./udp.js";
export { fillUpperLayerChecksum, upperLayerChecksumVerifies } from "./upper-layer-checksum.js";
