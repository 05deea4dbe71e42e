import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IcmpEchoView, Icmpv4Type, Icmpv6Type } from "./icmp-echo.js";
import { IpPacketView } from "./ip-packet-view.js";
import { IpProtocol } from "./ip-protocol.js";
import {
  buildIcmpEchoPacket,
  buildTcpPacket,
  buildUdpPacket,
  type IpFields,
  ipHeaderLength,
} from "./packet-builders.js";
import { TcpView } from "./tcp.js";
import { TcpOptions } from "./tcp-options.js";
import { icmpEchoFields, ipFields, tcpFields, udpFields } from "./test-support/arbitraries.js";
import { UdpView } from "./udp.js";
import { upperLayerChecksumVerifies } from "./upper-layer-checksum.js";

const slot = new Uint8Array(2048);
const ip = new IpPacketView();

/** Checks the IP layer against the fields it was built from. */
function expectIpLayer(fields: IpFields, protocol: number, length: number): void {
  expect(ip.wrap(slot, 0, length)).toBe(true);
  expect(ip.version).toBe(fields.version);
  expect(ip.protocol).toBe(protocol);
  expect(ip.upperLayerOffset).toBe(ipHeaderLength(fields));
  if (fields.version === 4) {
    const v4 = ip.ipv4;
    expect(v4.totalLength).toBe(length);
    expect(v4.source).toBe(fields.source);
    expect(v4.destination).toBe(fields.destination);
    expect(v4.dscp).toBe(fields.dscp ?? 0);
    expect(v4.ecn).toBe(fields.ecn ?? 0);
    expect(v4.identification).toBe(fields.identification ?? 0);
    expect(v4.dontFragment).toBe(fields.dontFragment ?? false);
    expect(v4.ttl).toBe(fields.ttl ?? 64);
    expect(v4.hasValidHeaderChecksum()).toBe(true);
    const options = fields.options ?? new Uint8Array(0);
    expect(slot.subarray(v4.optionsOffset, v4.optionsOffset + options.length)).toEqual(options);
  } else {
    const v6 = ip.ipv6;
    expect(v6.payloadLength).toBe(length - 40);
    expect(slot.subarray(v6.sourceOffset, v6.sourceOffset + 16)).toEqual(fields.source);
    expect(slot.subarray(v6.destinationOffset, v6.destinationOffset + 16)).toEqual(
      fields.destination,
    );
    expect(v6.trafficClass).toBe(fields.trafficClass ?? 0);
    expect(v6.flowLabel).toBe(fields.flowLabel ?? 0);
    expect(v6.hopLimit).toBe(fields.hopLimit ?? 64);
    expect(v6.extensionHeaderCount).toBe(fields.extensionHeaders?.length ?? 0);
  }
  expect(upperLayerChecksumVerifies(ip)).toBe(true);
}

describe("packet builders round-trip through the views", () => {
  it("UDP over IPv4 and IPv6", () => {
    const udp = new UdpView();
    fc.assert(
      fc.property(ipFields, udpFields, (fields, udpSpec) => {
        const length = buildUdpPacket(slot, fields, udpSpec);
        expectIpLayer(fields, IpProtocol.udp, length);
        expect(udp.wrap(slot, ip.upperLayerOffset, ip.upperLayerLength)).toBe(true);
        expect(udp.sourcePort).toBe(udpSpec.sourcePort);
        expect(udp.destinationPort).toBe(udpSpec.destinationPort);
        expect(udp.checksum).not.toBe(0);
        expect(slot.subarray(udp.payloadOffset, udp.payloadOffset + udp.payloadLength)).toEqual(
          udpSpec.payload,
        );
      }),
      { numRuns: 200 },
    );
  });

  it("TCP with options over IPv4 and IPv6", () => {
    const tcp = new TcpView();
    const options = new TcpOptions();
    fc.assert(
      fc.property(ipFields, tcpFields, (fields, spec) => {
        const length = buildTcpPacket(slot, fields, spec);
        expectIpLayer(fields, IpProtocol.tcp, length);
        expect(tcp.wrap(slot, ip.upperLayerOffset, ip.upperLayerLength)).toBe(true);
        expect(tcp.sourcePort).toBe(spec.sourcePort);
        expect(tcp.destinationPort).toBe(spec.destinationPort);
        expect(tcp.sequenceNumber).toBe(spec.sequenceNumber);
        expect(tcp.acknowledgmentNumber).toBe(spec.acknowledgmentNumber);
        expect(tcp.flags).toBe(spec.flags);
        expect(tcp.window).toBe(spec.window);
        expect(tcp.urgentPointer).toBe(spec.urgentPointer);
        expect(tcp.readOptions(options)).toBe(true);
        const wanted = spec.options ?? {};
        expect(options.maximumSegmentSize).toBe(wanted.maximumSegmentSize);
        expect(options.windowScale).toBe(wanted.windowScale);
        expect(options.sackPermitted).toBe(wanted.sackPermitted === true);
        expect(options.timestampValue).toBe(wanted.timestamp?.value);
        expect(options.timestampEchoReply).toBe(wanted.timestamp?.echoReply);
        expect(Array.from(options.sackBlocks.subarray(0, options.sackBlockCount * 2))).toEqual(
          (wanted.sackBlocks ?? []).flat(),
        );
        expect(options.unknownCount).toBe(0);
        expect(slot.subarray(tcp.payloadOffset, tcp.payloadOffset + tcp.payloadLength)).toEqual(
          spec.payload,
        );
      }),
      { numRuns: 200 },
    );
  });

  it("ICMPv4 and ICMPv6 echo, with the ICMPv6 checksum over the pseudo-header", () => {
    const echo = new IcmpEchoView();
    fc.assert(
      fc.property(ipFields, icmpEchoFields, (fields, spec) => {
        const length = buildIcmpEchoPacket(slot, fields, spec);
        const v4 = fields.version === 4;
        expectIpLayer(fields, v4 ? IpProtocol.icmp : IpProtocol.icmpv6, length);
        expect(echo.wrap(slot, ip.upperLayerOffset, ip.upperLayerLength)).toBe(true);
        const types = v4 ? Icmpv4Type : Icmpv6Type;
        expect(echo.type).toBe(spec.reply === true ? types.echoReply : types.echoRequest);
        expect(echo.code).toBe(0);
        expect(echo.identifier).toBe(spec.identifier);
        expect(echo.sequenceNumber).toBe(spec.sequenceNumber);
        expect(slot.subarray(echo.dataOffset, echo.dataOffset + echo.dataLength)).toEqual(
          spec.payload,
        );
      }),
      { numRuns: 200 },
    );
  });

  it("writes around a payload already in place (zero-copy) and refuses what does not fit", () => {
    const fields: IpFields = { version: 4, source: 0xc612_0001, destination: 0xc612_0002 };
    const target = new Uint8Array(40);
    target.set([1, 2, 3, 4], 28);
    expect(
      buildUdpPacket(target, fields, { sourcePort: 1, destinationPort: 2, payloadLength: 4 }),
    ).toBe(32);
    expect(ip.wrap(target)).toBe(true); // bytes after the total length are padding
    expect(ip.upperLayerLength).toBe(12);
    expect(Array.from(target.subarray(28, 32))).toEqual([1, 2, 3, 4]);
    expect(upperLayerChecksumVerifies(ip)).toBe(true);
    expect(
      buildUdpPacket(target, fields, { sourcePort: 1, destinationPort: 2, payloadLength: 13 }),
    ).toBe(0);
  });

  it("rejects options that cannot fit a header, as programming errors", () => {
    const fields: IpFields = { version: 4, source: 1, destination: 2, options: new Uint8Array(44) };
    expect(() => buildUdpPacket(slot, fields, { sourcePort: 1, destinationPort: 2 })).toThrow(
      RangeError,
    );
    const tcp = {
      sourcePort: 1,
      destinationPort: 2,
      sequenceNumber: 0,
      flags: 0,
      window: 0,
      options: {
        maximumSegmentSize: 1,
        timestamp: { value: 1, echoReply: 2 },
        sackBlocks: [
          [1, 2],
          [3, 4],
          [5, 6],
        ] as const,
      },
    } as const;
    expect(() => buildTcpPacket(slot, { version: 4, source: 1, destination: 2 }, tcp)).toThrow(
      RangeError,
    );
  });

  it("refuses a payloadLength that is not a non-negative integer, naming the builder", () => {
    const fields: IpFields = { version: 4, source: 1, destination: 2 };
    const ports = { sourcePort: 1, destinationPort: 2 };
    const tcp = { ...ports, sequenceNumber: 0, flags: 0, window: 0 };
    const echo = { identifier: 1, sequenceNumber: 2 };
    for (const payloadLength of [-1, 0.5, Number.NaN]) {
      const got = `payloadLength must be a non-negative integer, got ${payloadLength}`;
      expect(() => buildUdpPacket(slot, fields, { ...ports, payloadLength })).toThrow(
        new RangeError(`buildUdpPacket: ${got}`),
      );
      expect(() => buildTcpPacket(slot, fields, { ...tcp, payloadLength })).toThrow(
        new RangeError(`buildTcpPacket: ${got}`),
      );
      expect(() => buildIcmpEchoPacket(slot, fields, { ...echo, payloadLength })).toThrow(
        new RangeError(`buildIcmpEchoPacket: ${got}`),
      );
    }
    // A payload given as bytes wins over payloadLength, as before.
    const payload = Uint8Array.of(1, 2, 3);
    expect(buildUdpPacket(slot, fields, { ...ports, payload, payloadLength: -1 })).toBe(31);
  });

  it("refuses IPv6 extension-header chains the parser would not read back as given", () => {
    const v6: IpFields = {
      version: 6,
      source: new Uint8Array(16),
      destination: new Uint8Array(16),
      extensionHeaders: [
        { type: 60, data: new Uint8Array(6) },
        { type: 0, data: new Uint8Array(6) },
      ],
    };
    expect(() => buildUdpPacket(slot, v6, { sourcePort: 1, destinationPort: 2 })).toThrow(
      /extensionHeaders\[1\] is a Hop-by-Hop Options header/,
    );
    expect(() => ipHeaderLength(v6)).toThrow(RangeError);
  });
});
