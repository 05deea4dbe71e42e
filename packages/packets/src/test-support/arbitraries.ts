import fc from "fast-check";
import type { Ipv6ExtensionHeader } from "../ipv6.js";
import {
  buildIcmpEchoPacket,
  buildTcpPacket,
  buildUdpPacket,
  type IcmpEchoFields,
  type IpFields,
  type TcpFields,
  type UdpFields,
} from "../packet-builders.js";
import type { TcpOptionFields } from "../tcp-options.js";

const u16 = fc.nat(0xffff);
const u32 = fc.nat(0xffff_ffff);

/** Addresses from the test ranges: 198.18.0.0/15 and fd6d:6167:6d61::/48. */
export const ipv4Address = fc.nat(0x1_ffff).map((host) => (0xc612_0000 + host) >>> 0);
export const ipv6Address = fc.uint8Array({ minLength: 10, maxLength: 10 }).map((host) => {
  const address = new Uint8Array(16);
  address.set([0xfd, 0x6d, 0x61, 0x67, 0x6d, 0x61]);
  address.set(host, 6);
  return address;
});

/** IPv4 options as real stacks send them: record route or router alert, or raw NOP padding. */
const ipv4Options = fc.oneof(
  fc.constant(undefined),
  fc.constant(Uint8Array.of(0x94, 0x04, 0x00, 0x00)),
  fc.nat(9).map((slots) => {
    const length = 3 + slots * 4;
    const option = new Uint8Array(length);
    option.set([0x07, length, 4]);
    return option;
  }),
);

export const ipv4Fields: fc.Arbitrary<IpFields> = fc.record({
  version: fc.constant(4 as const),
  source: ipv4Address,
  destination: ipv4Address,
  dscp: fc.nat(63),
  ecn: fc.nat(3),
  identification: u16,
  dontFragment: fc.boolean(),
  ttl: fc.nat(255),
  options: ipv4Options,
});

const extensionHeader: fc.Arbitrary<Ipv6ExtensionHeader> = fc.oneof(
  fc.record({
    type: fc.constant(60 as const),
    data: fc.nat(3).map((words) => new Uint8Array(6 + words * 8)),
  }),
  // Routing type 0 with segments left 0 and n zero addresses (its length is 2n): still well-formed
  // for parsers that read the addresses, and harmless.
  fc.record({
    type: fc.constant(43 as const),
    data: fc.nat(1).map((addresses) => new Uint8Array(6 + addresses * 16)),
  }),
  fc.record({
    type: fc.constant(44 as const),
    fragmentOffset: fc.constant(0),
    moreFragments: fc.constant(false),
    identification: u32,
  }),
);

export const ipv6Fields: fc.Arbitrary<IpFields> = fc
  .record({
    version: fc.constant(6 as const),
    source: ipv6Address,
    destination: ipv6Address,
    trafficClass: fc.nat(255),
    flowLabel: fc.nat(0xfffff),
    hopLimit: fc.nat(255),
    hopByHop: fc.boolean(),
    // RFC 8200 §4.1: a packet carries at most one fragment header.
    others: fc
      .array(extensionHeader, { maxLength: 3 })
      .filter((headers) => headers.filter((header) => header.type === 44).length <= 1),
  })
  .map(({ hopByHop, others, ...fields }) => ({
    ...fields,
    extensionHeaders: hopByHop
      ? [{ type: 0 as const, data: new Uint8Array(6) }, ...others]
      : others,
  }));

export const ipFields = fc.oneof(ipv4Fields, ipv6Fields);

export const payload = fc.uint8Array({ maxLength: 300 });

export const udpFields: fc.Arbitrary<UdpFields> = fc.record({
  sourcePort: u16,
  destinationPort: u16,
  payload,
});

export const tcpOptionFields: fc.Arbitrary<TcpOptionFields> = fc
  .record(
    {
      maximumSegmentSize: u16,
      windowScale: fc.nat(14),
      sackPermitted: fc.boolean(),
      timestamp: fc.record({ value: u32, echoReply: u32 }),
      sackBlocks: fc.array(fc.tuple(u32, u32), { minLength: 1, maxLength: 4 }),
    },
    { requiredKeys: [] },
  )
  .filter((options) => {
    // Keep what fits in 40 bytes, as a sender would.
    let length = 0;
    if (options.maximumSegmentSize !== undefined) length += 4;
    if (options.timestamp !== undefined) length += 12;
    else if (options.sackPermitted === true) length += 4;
    if (options.windowScale !== undefined) length += 4;
    if (options.sackBlocks !== undefined) length += 4 + options.sackBlocks.length * 8;
    return length <= 40;
  });

export const tcpFields: fc.Arbitrary<TcpFields> = fc.record({
  sourcePort: u16,
  destinationPort: u16,
  sequenceNumber: u32,
  acknowledgmentNumber: u32,
  flags: fc.nat(255),
  window: u16,
  urgentPointer: u16,
  options: tcpOptionFields,
  payload,
});

export const icmpEchoFields: fc.Arbitrary<IcmpEchoFields> = fc.record({
  reply: fc.boolean(),
  identifier: u16,
  sequenceNumber: u16,
  payload,
});

/** Whole packets from our builders: UDP, TCP or ICMP echo over IPv4 or IPv6, each its own copy. */
const buildSlot = new Uint8Array(2048);
export const builtPacket: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc
    .tuple(ipFields, udpFields)
    .map(([ip, udp]) => buildSlot.slice(0, buildUdpPacket(buildSlot, ip, udp))),
  fc
    .tuple(ipFields, tcpFields)
    .map(([ip, tcp]) => buildSlot.slice(0, buildTcpPacket(buildSlot, ip, tcp))),
  fc
    .tuple(ipFields, icmpEchoFields)
    .map(([ip, echo]) => buildSlot.slice(0, buildIcmpEchoPacket(buildSlot, ip, echo))),
);
