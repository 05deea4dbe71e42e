import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IcmpEchoView } from "./icmp-echo.js";
import { internetChecksum } from "./internet-checksum.js";
import { IpPacketView } from "./ip-packet-view.js";
import { IpProtocol } from "./ip-protocol.js";
import { Ipv4View } from "./ipv4.js";
import { Ipv6View } from "./ipv6.js";
import { OptionCursor } from "./option-cursor.js";
import { buildIcmpEchoPacket, buildTcpPacket, buildUdpPacket } from "./packet-builders.js";
import { turnEchoRequestIntoReply, turnUdpIntoReply } from "./reply-in-place.js";
import { TcpView } from "./tcp.js";
import { TcpOptions } from "./tcp-options.js";
import { icmpEchoFields, ipFields, tcpFields, udpFields } from "./test-support/arbitraries.js";
import { UdpView } from "./udp.js";
import { upperLayerChecksumVerifies } from "./upper-layer-checksum.js";

const ip = new IpPacketView();
const udp = new UdpView();
const tcp = new TcpView();
const echo = new IcmpEchoView();
const tcpOptions = new TcpOptions();
const cursor = new OptionCursor();

/** Everything the parsers can say about a packet, as plain data; offsets relative to its start. */
function dissect(bytes: Uint8Array, offset: number, length: number): Record<string, unknown> {
  const result: Record<string, unknown> = { ip: ip.wrap(bytes, offset, length), status: ip.status };
  if (ip.status !== "ok") return result;
  const end = offset + length;
  const inRange = (at: number, size: number) => at >= offset && size >= 0 && at + size <= end;
  expect(inRange(ip.upperLayerOffset, ip.upperLayerLength)).toBe(true);
  Object.assign(result, {
    version: ip.version,
    protocol: ip.protocol,
    upper: [ip.upperLayerOffset - offset, ip.upperLayerLength],
    fragment: ip.isFragment,
    checksum: upperLayerChecksumVerifies(ip),
  });
  if (ip.version === 4) {
    const options: number[] = [];
    ip.ipv4.options(cursor);
    while (cursor.next()) {
      expect(inRange(cursor.valueOffset, cursor.valueLength)).toBe(true);
      options.push(cursor.kind, cursor.valueLength);
    }
    Object.assign(result, {
      headerChecksum: ip.ipv4.hasValidHeaderChecksum(),
      ipOptions: options,
      ipOptionsStatus: cursor.status,
      ttl: ip.ipv4.ttl,
    });
  } else {
    Object.assign(result, { extensions: ip.ipv6.extensionHeaderCount, flow: ip.ipv6.flowLabel });
  }
  const at = ip.upperLayerOffset;
  const size = ip.upperLayerLength;
  if (ip.protocol === IpProtocol.udp && udp.wrap(bytes, at, size)) {
    expect(inRange(udp.payloadOffset, udp.payloadLength)).toBe(true);
    result.udp = [udp.sourcePort, udp.destinationPort, udp.length, udp.checksum];
  } else if (ip.protocol === IpProtocol.tcp && tcp.wrap(bytes, at, size)) {
    expect(inRange(tcp.payloadOffset, tcp.payloadLength)).toBe(true);
    const ok = tcp.readOptions(tcpOptions);
    result.tcp = [
      tcp.sequenceNumber,
      tcp.flags,
      tcp.headerLength,
      ok,
      tcpOptions.maximumSegmentSize,
      tcpOptions.windowScale,
      tcpOptions.sackPermitted,
      Array.from(tcpOptions.sackBlocks.subarray(0, tcpOptions.sackBlockCount * 2)),
      tcpOptions.timestampValue,
      tcpOptions.timestampEchoReply,
      tcpOptions.unknownCount,
    ];
  } else if (echo.wrap(bytes, at, size)) {
    expect(inRange(echo.dataOffset, echo.dataLength)).toBe(true);
    result.echo = [echo.type, echo.code, echo.identifier, echo.sequenceNumber, echo.dataLength];
  }
  result.sum = internetChecksum(bytes, at, size);
  return result;
}

const slot = new Uint8Array(2048);

/** Well-formed packets with random damage: flipped bytes, and a cut at a random length. */
const damagedPacket = fc
  .tuple(
    ipFields,
    fc.oneof(
      udpFields.map(
        (f) => (ipSpec: Parameters<typeof buildUdpPacket>[1]) => buildUdpPacket(slot, ipSpec, f),
      ),
      tcpFields.map(
        (f) => (ipSpec: Parameters<typeof buildTcpPacket>[1]) => buildTcpPacket(slot, ipSpec, f),
      ),
      icmpEchoFields.map(
        (f) => (ipSpec: Parameters<typeof buildIcmpEchoPacket>[1]) =>
          buildIcmpEchoPacket(slot, ipSpec, f),
      ),
    ),
    fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
    fc.option(fc.nat()),
  )
  .map(([fields, build, damage, cut]) => {
    const length = build(fields);
    const packet = slot.slice(0, length);
    for (const [position, value] of damage) packet[position % length] = value;
    return cut === null ? packet : packet.subarray(0, cut % (length + 1));
  });

const randomPacket = fc
  .tuple(fc.constantFrom(0x45, 0x46, 0x4f, 0x60, 0x00), fc.uint8Array({ maxLength: 120 }))
  .map(([first, rest]) => Uint8Array.of(first, ...rest));

const anyPacket = fc.oneof(damagedPacket, randomPacket);

describe("malformed input", () => {
  it("never throws, and gives the same answers whatever bytes surround the packet", () => {
    fc.assert(
      fc.property(anyPacket, fc.nat(16), fc.nat(16), (packet, before, after) => {
        const answers = [0x00, 0xff, 0x06].map((sentinel) => {
          const backing = new Uint8Array(before + packet.length + after).fill(sentinel);
          backing.set(packet, before);
          return dissect(backing, before, packet.length);
        });
        expect(answers[1]).toEqual(answers[0]);
        expect(answers[2]).toEqual(answers[0]);
      }),
      { numRuns: 1500 },
    );
  });

  it("in-place replies never throw and never write outside the packet", () => {
    fc.assert(
      fc.property(anyPacket, fc.nat(8), fc.nat(8), (packet, before, after) => {
        for (const reply of [turnEchoRequestIntoReply, turnUdpIntoReply]) {
          const backing = new Uint8Array(before + packet.length + after).fill(0xa5);
          backing.set(packet, before);
          const result = reply(backing, before, packet.length);
          expect(typeof result).toBe("string");
          expect(backing.subarray(0, before).every((byte) => byte === 0xa5)).toBe(true);
          expect(backing.subarray(before + packet.length).every((byte) => byte === 0xa5)).toBe(
            true,
          );
          if (result !== "replied") {
            expect(backing.subarray(before, before + packet.length)).toEqual(packet);
          }
        }
      }),
      { numRuns: 800 },
    );
  });

  it("survives nonsense offsets and lengths", () => {
    const bytes = new Uint8Array(64).fill(0x45);
    for (const [offset, length] of [
      [-1, 20],
      [70, 20],
      [0, -5],
      [0, Number.NaN],
      [Number.NaN, 20],
      [0.5, 40],
      [1, 40.5],
      [0, 1e9],
    ] as const) {
      expect(dissect(bytes, offset, length).ip).toBe(false);
      expect(udp.wrap(bytes, offset, length) && tcp.wrap(bytes, offset, length)).toBe(false);
    }
  });

  it("refuses as truncated a window whose offset or length is not a non-negative integer", () => {
    // An IPv6 packet (no payload, no next header) at offset 1 that the views take in a sound window.
    const bytes = new Uint8Array(64);
    bytes.set([0x60, 0, 0, 0, 0, 0, 59, 64], 1);
    const views = [ip, new Ipv4View(), new Ipv6View(), udp, tcp, echo];
    expect(echo.wrap(bytes, 1, 40) && ip.wrap(bytes, 1, 40)).toBe(true);
    for (const [offset, length] of [
      [-1, 40],
      [0.5, 40],
      [Number.NaN, 40],
      [1, -40],
      [1, 40.5],
      [1, Number.NaN],
      [1, Number.POSITIVE_INFINITY],
    ] as const) {
      for (const view of views) {
        expect(view.wrap(bytes, offset, length)).toBe(false);
        expect(view.status).toBe("truncated");
      }
    }
  });
});
