import {
  buildIcmpEchoPacket,
  buildTcpPacket,
  buildUdpPacket,
  IcmpEchoView,
  Icmpv4Type,
  Icmpv6Type,
  type IpFields,
  IpPacketView,
  IpProtocol,
  parseIpv4Address,
  parseIpv6Address,
  TcpFlags,
  UdpView,
  upperLayerChecksumVerifies,
} from "@magma/packets";
import { MagmaError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { EchoResponder, type EchoResponderCounters } from "./echo-responder.js";
import { ArrayTransmitter, TestPacket } from "./test-support/array-transmitter.js";

const KERNEL_V4 = parseIpv4Address("198.18.0.1")!;
const RESPONDER_V4 = parseIpv4Address("198.18.0.2")!;
const KERNEL_V6 = parseIpv6Address("fd6d:6167:6d61::1")!;
const RESPONDER_V6 = parseIpv6Address("fd6d:6167:6d61::2")!;
const RESPONDER_ADDRESSES = ["198.18.0.2", "fd6d:6167:6d61::2"];

const toResponderV4: IpFields = { version: 4, source: KERNEL_V4, destination: RESPONDER_V4 };
const toResponderV6: IpFields = { version: 6, source: KERNEL_V6, destination: RESPONDER_V6 };
const payload = new TextEncoder().encode("magma echo payload");

function packet(build: (target: Uint8Array) => number): Uint8Array {
  const target = new Uint8Array(2048);
  const length = build(target);
  expect(length).toBeGreaterThan(0);
  return target.slice(0, length);
}

function echoRequest(ip: IpFields, sequenceNumber = 1): Uint8Array {
  return packet((t) => buildIcmpEchoPacket(t, ip, { identifier: 0x4d47, sequenceNumber, payload }));
}

function udpDatagram(ip: IpFields, destinationPort = 7): Uint8Array {
  return packet((t) =>
    buildUdpPacket(t, ip, { sourcePort: 40000, destinationPort, payload: payload }),
  );
}

function responderWith(transmitter: ArrayTransmitter, echoPort?: number): EchoResponder {
  return new EchoResponder(transmitter, {
    addresses: RESPONDER_ADDRESSES,
    ...(echoPort === undefined ? {} : { echoPort }),
  });
}

/** Parses a reply the way a peer would, failing the test for anything malformed. */
function parseReply(bytes: Uint8Array): IpPacketView {
  const ip = new IpPacketView();
  expect(ip.wrap(bytes)).toBe(true);
  expect(upperLayerChecksumVerifies(ip)).toBe(true);
  if (ip.version === 4) expect(ip.ipv4.hasValidHeaderChecksum()).toBe(true);
  return ip;
}

function sumOfDrops(counters: EchoResponderCounters): number {
  return Object.values(counters.dropped).reduce((a, b) => a + b, 0);
}

function expectBalancedCounters(counters: EchoResponderCounters): void {
  expect(counters.offered).toBe(counters.requests + counters.ignored);
  expect(counters.requests).toBe(counters.answered + sumOfDrops(counters));
  expect(counters.requests).toBe(counters.icmpRequests + counters.udpRequests);
}

describe("EchoResponder", () => {
  it("answers an ICMPv4 echo request with a reply whose checksums verify", () => {
    const transmitter = new ArrayTransmitter();
    const responder = responderWith(transmitter);
    const request = new TestPacket(echoRequest(toResponderV4, 9));

    expect(responder.tryConsume(request)).toBeNull();
    expect(request.disposals).toBe(1);
    expect(transmitter.sent).toHaveLength(1);
    const reply = parseReply(transmitter.sent[0]!);
    expect(reply.ipv4.source).toBe(RESPONDER_V4);
    expect(reply.ipv4.destination).toBe(KERNEL_V4);
    expect(reply.ipv4.ttl).toBe(64);
    const echo = new IcmpEchoView();
    expect(echo.wrap(reply.bytes, reply.upperLayerOffset, reply.upperLayerLength)).toBe(true);
    expect(echo.type).toBe(Icmpv4Type.echoReply);
    expect([echo.identifier, echo.sequenceNumber]).toEqual([0x4d47, 9]);
    expect(reply.bytes.subarray(echo.dataOffset)).toEqual(payload);
    expect(transmitter.lentCount).toBe(0);
    expect(responder.counters).toMatchObject({ requests: 1, icmpRequests: 1, answered: 1 });
  });

  it("answers an ICMPv6 echo request with a reply whose checksum (pseudo-header included) verifies", () => {
    const transmitter = new ArrayTransmitter();
    const responder = responderWith(transmitter);
    expect(responder.tryConsume(new TestPacket(echoRequest(toResponderV6)))).toBeNull();

    const reply = parseReply(transmitter.sent[0]!);
    expect(reply.version).toBe(6);
    expect(reply.bytes.subarray(8, 24)).toEqual(RESPONDER_V6);
    expect(reply.bytes.subarray(24, 40)).toEqual(KERNEL_V6);
    expect(reply.bytes[reply.upperLayerOffset]).toBe(Icmpv6Type.echoReply);
    expect(reply.bytes.subarray(reply.upperLayerOffset + 8)).toEqual(payload);
  });

  it.each([
    ["IPv4", toResponderV4],
    ["IPv6", toResponderV6],
  ])("echoes a UDP datagram to port 7 over %s with addresses and ports swapped", (_, ip) => {
    const transmitter = new ArrayTransmitter();
    const responder = responderWith(transmitter);
    expect(responder.tryConsume(new TestPacket(udpDatagram(ip)))).toBeNull();

    const reply = parseReply(transmitter.sent[0]!);
    expect(reply.protocol).toBe(IpProtocol.udp);
    const udp = new UdpView();
    expect(udp.wrap(reply.bytes, reply.upperLayerOffset, reply.upperLayerLength)).toBe(true);
    expect([udp.sourcePort, udp.destinationPort]).toEqual([7, 40000]);
    expect(reply.bytes.subarray(udp.payloadOffset)).toEqual(payload);
    expect(responder.counters).toMatchObject({ requests: 1, udpRequests: 1, answered: 1 });
  });

  it("echoes a UDP datagram sent without a checksum (zero, allowed over IPv4)", () => {
    const transmitter = new ArrayTransmitter();
    const request = udpDatagram(toResponderV4);
    request[26] = 0;
    request[27] = 0;
    expect(responderWith(transmitter).tryConsume(new TestPacket(request))).toBeNull();
    const reply = parseReply(transmitter.sent[0]!);
    expect(reply.bytes.subarray(26, 28)).toEqual(new Uint8Array([0, 0]));
  });

  it("echoes on the configured port only", () => {
    const transmitter = new ArrayTransmitter();
    const responder = responderWith(transmitter, 7777);
    const onSeven = new TestPacket(udpDatagram(toResponderV4, 7));
    expect(responder.tryConsume(onSeven)).toBe(onSeven);
    expect(responder.tryConsume(new TestPacket(udpDatagram(toResponderV4, 7777)))).toBeNull();
    expect(transmitter.sent).toHaveLength(1);
    expect(responder.counters).toMatchObject({ ignored: 1, answered: 1 });
  });

  it("sends the IP packet without link padding that followed it", () => {
    const transmitter = new ArrayTransmitter();
    const request = echoRequest(toResponderV4);
    const padded = new Uint8Array(request.length + 6);
    padded.set(request);
    expect(responderWith(transmitter).tryConsume(new TestPacket(padded))).toBeNull();
    expect(transmitter.sent[0]).toHaveLength(request.length);
  });

  it("returns everything else unconsumed and undisposed, lending no buffer for it", () => {
    const transmitter = new ArrayTransmitter();
    const responder = responderWith(transmitter);
    const elsewhere: IpFields = {
      version: 4,
      source: KERNEL_V4,
      destination: parseIpv4Address("198.18.0.3")!,
    };
    const others = [
      echoRequest(elsewhere),
      udpDatagram(elsewhere),
      udpDatagram(toResponderV4, 53),
      packet((t) =>
        buildIcmpEchoPacket(t, toResponderV4, { identifier: 1, sequenceNumber: 1, reply: true }),
      ),
      packet((t) =>
        buildTcpPacket(t, toResponderV4, {
          sourcePort: 40000,
          destinationPort: 7,
          sequenceNumber: 1,
          flags: TcpFlags.syn,
          window: 65535,
        }),
      ),
      // A router solicitation, as the kernel sends when the link comes up.
      (() => {
        const rs = echoRequest({ ...toResponderV6, destination: parseIpv6Address("ff02::2")! });
        rs[40] = 133;
        return rs;
      })(),
      echoRequest({ ...toResponderV6, destination: parseIpv6Address("fd6d:6167:6d61::3")! }),
      new Uint8Array([0x45, 0, 0]),
    ];
    for (const bytes of others) {
      const input = new TestPacket(bytes);
      expect(responder.tryConsume(input)).toBe(input);
      expect(input.disposals).toBe(0);
    }
    expect(transmitter.sent).toHaveLength(0);
    expect(transmitter.lentCount).toBe(0);
    expect(responder.counters).toMatchObject({ offered: others.length, ignored: others.length });
  });

  it("counts a drop when the transmitter has no buffer, and still consumes and disposes the request", () => {
    const transmitter = new ArrayTransmitter(0);
    const responder = responderWith(transmitter);
    const request = new TestPacket(echoRequest(toResponderV4));

    expect(responder.tryConsume(request)).toBeNull();
    expect(request.disposals).toBe(1);
    expect(transmitter.sent).toHaveLength(0);
    expect(responder.counters.dropped.noBuffer).toBe(1);
    expect(responder.counters.answered).toBe(0);
    expectBalancedCounters(responder.counters);
  });

  it("answers again once buffers are free after running out", () => {
    const transmitter = new ArrayTransmitter(1);
    const responder = responderWith(transmitter);
    for (let sequence = 1; sequence <= 3; sequence++) {
      expect(responder.tryConsume(new TestPacket(echoRequest(toResponderV4, sequence)))).toBeNull();
    }
    expect(transmitter.sent).toHaveLength(3); // the fake lends the same buffer again after each send
    expect(responder.counters.answered).toBe(3);
  });

  it("gives back a lent buffer too small for the request and counts it", () => {
    const transmitter = new ArrayTransmitter(1, 32);
    const responder = responderWith(transmitter);
    expect(responder.tryConsume(new TestPacket(echoRequest(toResponderV4)))).toBeNull();
    expect(transmitter.lentCount).toBe(0);
    expect(transmitter.discarded).toBe(1);
    expect(responder.counters.dropped.tooLarge).toBe(1);
  });

  it.each([
    // [what is damaged, byte offset, new value, counter]
    ["a wrong ICMP checksum", 22, 0x00, "badChecksum"],
    ["a wrong IPv4 header checksum", 10, 0x00, "badChecksum"],
    ["a fragment", 6, 0x20, "fragment"],
  ] as const)("consumes a request with %s unanswered, counting why", (_, at, value, cause) => {
    const transmitter = new ArrayTransmitter();
    const responder = responderWith(transmitter);
    const bytes = echoRequest(toResponderV4);
    expect(bytes[at]).not.toBe(value);
    bytes[at] = value;
    const request = new TestPacket(bytes);

    expect(responder.tryConsume(request)).toBeNull();
    expect(request.disposals).toBe(1);
    expect(transmitter.sent).toHaveLength(0);
    expect(transmitter.lentCount).toBe(0);
    expect(responder.counters.dropped[cause]).toBe(1);
    expectBalancedCounters(responder.counters);
  });

  it("never throws on malformed packets, and disposes exactly what it consumes", () => {
    const transmitter = new ArrayTransmitter(2);
    const responder = responderWith(transmitter);
    const valid = [
      echoRequest(toResponderV4),
      echoRequest(toResponderV6),
      udpDatagram(toResponderV4),
      udpDatagram(toResponderV6),
    ];
    const offer = (bytes: Uint8Array, length?: number): void => {
      const input = new TestPacket(bytes, length);
      let result: TestPacket | null = input;
      expect(() => {
        result = responder.tryConsume(input);
      }).not.toThrow();
      expect(result === null || result === input).toBe(true);
      expect(input.disposals).toBe(result === null ? 1 : 0);
      expect(transmitter.lentCount).toBe(0);
    };

    // Every truncation, and an owner whose length runs past its memory.
    for (const bytes of valid) {
      for (let length = 0; length < bytes.length; length++) offer(bytes.slice(0, length));
      offer(bytes, 1 << 20);
    }
    // Seeded random damage: a few bytes of each packet overwritten, many times over.
    let seed = 0x6d61676d;
    const random = (bound: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % bound;
    };
    for (let round = 0; round < 4000; round++) {
      const bytes = valid[round % valid.length]!.slice();
      for (let hits = 1 + random(3); hits > 0; hits--) bytes[random(bytes.length)] = random(256);
      offer(bytes);
    }
    for (const reply of transmitter.sent) {
      // Whatever was answered must be a well-formed reply.
      parseReply(reply);
    }
    expectBalancedCounters(responder.counters);
    // The damage reached every path: answers, counted drops and ignored packets.
    expect(responder.counters.offered).toBeGreaterThan(4000);
    expect(responder.counters.answered).toBeGreaterThan(0);
    expect(responder.counters.dropped.badChecksum).toBeGreaterThan(0);
    expect(responder.counters.ignored).toBeGreaterThan(0);
  });

  it("has nothing to flush after a batch: replies were already handed to the transmitter", () => {
    const transmitter = new ArrayTransmitter();
    const responder = responderWith(transmitter);
    responder.tryConsume(new TestPacket(echoRequest(toResponderV4)));
    responder.flushPendingAcks();
    expect(transmitter.sent).toHaveLength(1);
    expect(transmitter.lentCount).toBe(0);
  });

  it("rejects addresses and ports it cannot answer for with a typed error", () => {
    const transmitter = new ArrayTransmitter();
    expect(() => new EchoResponder(transmitter, { addresses: ["198.18.0.2/24"] })).toThrow(
      MagmaError,
    );
    expect(() => new EchoResponder(transmitter, { addresses: [], echoPort: 0 })).toThrow(
      /not a UDP port/,
    );
  });
});
