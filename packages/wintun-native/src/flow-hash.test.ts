import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nativeAddon } from "./native-addon.js";

// The native flow classifier (native/src/flow): SipHash-2-4 of each packet's flow, and the worker
// that owns it, with which the multi-queue receive path is to sort every batch.

const { flowHashes, sipHash24 } = nativeAddon();
const KEY = Uint8Array.from({ length: 16 }, (_, i) => i);
const OTHER_KEY = Uint8Array.from({ length: 16 }, (_, i) => 0xa5 ^ i);

const bytes = (...values: number[]) => Uint8Array.from(values);

/** An IPv4 packet: 20-byte header (or `ihl` words), `protocol`, then `transport`. */
function ipv4(
  protocol: number,
  source: number[],
  destination: number[],
  transport: Uint8Array,
  fields: {
    ttl?: number;
    id?: number;
    moreFragments?: boolean;
    offset?: number;
    ihl?: number;
  } = {},
): Uint8Array {
  const ihl = fields.ihl ?? 5;
  const packet = new Uint8Array(ihl * 4 + transport.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x40 | ihl;
  view.setUint16(2, packet.length);
  view.setUint16(4, fields.id ?? 0);
  view.setUint16(6, ((fields.moreFragments ?? false) ? 0x2000 : 0) | ((fields.offset ?? 0) >> 3));
  packet[8] = fields.ttl ?? 64;
  packet[9] = protocol;
  packet.set(source, 12);
  packet.set(destination, 16);
  packet.set(transport, ihl * 4);
  return packet;
}

/** An IPv6 packet whose headers after the fixed one are `chain` (each [nextHeader, bytes]). */
function ipv6(
  firstNextHeader: number,
  source: number,
  destination: number,
  rest: Uint8Array,
  hopLimit = 64,
): Uint8Array {
  const packet = new Uint8Array(40 + rest.length);
  const view = new DataView(packet.buffer);
  packet[0] = 0x60;
  view.setUint16(4, rest.length);
  packet[6] = firstNextHeader;
  packet[7] = hopLimit;
  packet.set([0xfd, 0x6d, 0x61, 0x67, 0x6d, 0x61], 8);
  packet[23] = source;
  packet.set([0xfd, 0x6d, 0x61, 0x67, 0x6d, 0x61], 24);
  packet[39] = destination;
  packet.set(rest, 40);
  return packet;
}

/** Ports and some payload, as TCP, UDP, SCTP, DCCP and UDP-Lite all begin. */
function ports(source: number, destination: number, payload = 12): Uint8Array {
  const transport = new Uint8Array(8 + payload);
  const view = new DataView(transport.buffer);
  view.setUint16(0, source);
  view.setUint16(2, destination);
  transport.fill(0x77, 8);
  return transport;
}

function classify(packets: readonly Uint8Array[], workers = 4, key = KEY) {
  const lengths = Uint32Array.from(packets, (packet) => packet.length);
  const joined = new Uint8Array(lengths.reduce((sum, length) => sum + length, 0));
  let at = 0;
  for (const packet of packets) {
    joined.set(packet, at);
    at += packet.length;
  }
  return flowHashes(key, joined, lengths, workers);
}

const hashOf = (packet: Uint8Array, key = KEY): bigint =>
  classify([packet], 1, key).hashes[0] as bigint;

const A = [198, 18, 0, 1];
const B = [198, 18, 0, 2];

describe("SipHash-2-4", () => {
  // The reference vectors (veorq/SipHash vectors.h): key 00..0f, message 00..(n-1), read as
  // little-endian 64-bit words.
  it.each([
    [0, 0x726fdb47dd0e0e31n],
    [1, 0x74f839c593dc67fdn],
    [7, 0xab0200f58b01d137n],
    [8, 0x93f5f5799a932462n],
    [9, 0x9e0082df0ba9e4b0n],
    [15, 0xa129ca6149be45e5n],
  ])("gives the reference output for a message of %i bytes", (length, expected) => {
    expect(
      sipHash24(
        KEY,
        Uint8Array.from({ length }, (_, i) => i),
      ),
    ).toBe(expected);
  });
});

describe("the flow hash", () => {
  it("is the same for every packet of a flow, whatever else changes", () => {
    for (const protocol of [6, 17, 33, 132, 136]) {
      const first = hashOf(ipv4(protocol, A, B, ports(40000, 443, 10), { ttl: 64, id: 1 }));
      expect(hashOf(ipv4(protocol, A, B, ports(40000, 443, 900), { ttl: 3, id: 999 }))).toBe(first);
      expect(hashOf(ipv4(protocol, A, B, ports(40000, 443), { ihl: 6 }))).toBe(first);
      expect(hashOf(ipv6(protocol, 1, 2, ports(40000, 443, 10), 64))).toBe(
        hashOf(ipv6(protocol, 1, 2, ports(40000, 443, 300), 1)),
      );
    }
  });

  it("tells flows apart by both addresses, both ports and the protocol", () => {
    const flows = [
      ipv4(17, A, B, ports(40000, 443)),
      ipv4(17, B, A, ports(40000, 443)),
      ipv4(17, A, [198, 18, 0, 3], ports(40000, 443)),
      ipv4(17, A, B, ports(40001, 443)),
      ipv4(17, A, B, ports(40000, 444)),
      ipv4(6, A, B, ports(40000, 443)),
      ipv6(17, 1, 2, ports(40000, 443)),
      ipv6(17, 1, 3, ports(40000, 443)),
    ];
    expect(new Set(flows.map((packet) => hashOf(packet))).size).toBe(flows.length);
  });

  it("leaves the ports of other protocols out: ICMP echoes of one pair of hosts are one flow", () => {
    const echo = (identifier: number) =>
      bytes(8, 0, 0, 0, identifier >> 8, identifier & 0xff, 0, 1);
    expect(hashOf(ipv4(1, A, B, echo(1)))).toBe(hashOf(ipv4(1, A, B, echo(2))));
    expect(hashOf(ipv6(58, 1, 2, echo(1)))).toBe(hashOf(ipv6(58, 1, 2, echo(2))));
  });

  it("puts every fragment of an IPv4 datagram in one flow, the first (with the ports) too", () => {
    const first = ipv4(17, A, B, ports(40000, 443, 1400), { moreFragments: true, id: 7 });
    const middle = ipv4(17, A, B, new Uint8Array(1400).fill(1), {
      moreFragments: true,
      offset: 1408,
      id: 7,
    });
    const last = ipv4(17, A, B, new Uint8Array(100).fill(2), { offset: 2808, id: 7 });
    const hash = hashOf(first);
    expect(hashOf(middle)).toBe(hash);
    expect(hashOf(last)).toBe(hash);
  });

  it("walks IPv6 extension headers to the transport header, and hashes fragments without ports", () => {
    const plain = hashOf(ipv6(17, 1, 2, ports(5000, 53)));
    // Hop-by-Hop (8 bytes), then Destination Options (16 bytes), then UDP (RFC 8200 section 4).
    const hopByHop = bytes(60, 0, 1, 4, 0, 0, 0, 0);
    const destination = new Uint8Array(16);
    destination[0] = 17;
    destination[1] = 1;
    const chained = ipv6(
      0,
      1,
      2,
      Uint8Array.from([...hopByHop, ...destination, ...ports(5000, 53)]),
    );
    expect(hashOf(chained)).toBe(plain);
    // Authentication Header: its length counts 4-byte words, less 2 (RFC 4302 section 2.2).
    const authentication = new Uint8Array(24);
    authentication[0] = 17;
    authentication[1] = 4;
    expect(hashOf(ipv6(51, 1, 2, Uint8Array.from([...authentication, ...ports(5000, 53)])))).toBe(
      plain,
    );
    // A Fragment header (44): the first fragment, with the ports, and a later one, without.
    const fragment = (offset: number, more: boolean) =>
      bytes(17, 0, (offset >> 8) & 0xff, (offset & 0xf8) | (more ? 1 : 0), 0, 0, 0, 9);
    const firstFragment = hashOf(
      ipv6(44, 1, 2, Uint8Array.from([...fragment(0, true), ...ports(5000, 53)])),
    );
    const laterFragment = hashOf(
      ipv6(44, 1, 2, Uint8Array.from([...fragment(1232, false), 1, 2, 3])),
    );
    expect(laterFragment).toBe(firstFragment);
    expect(firstFragment).not.toBe(plain);
  });

  it("depends on the key, so nobody who does not know it can aim flows at one worker", () => {
    const flows = Array.from({ length: 200 }, (_, i) => ipv4(17, A, B, ports(10000 + i, 53)));
    const differing = flows.filter((packet) => hashOf(packet, KEY) !== hashOf(packet, OTHER_KEY));
    expect(differing).toHaveLength(200);
  });

  it("gives packets that are not IP, or are cut before their addresses, the empty flow", () => {
    const empty = sipHash24(KEY, new Uint8Array(0));
    for (const packet of [
      new Uint8Array(0),
      bytes(0x45),
      ipv4(17, A, B, ports(1, 2)).subarray(0, 19),
      ipv6(17, 1, 2, ports(1, 2)).subarray(0, 39),
      bytes(0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20),
      bytes(0x44, ...new Array(30).fill(0)), // IHL 4: shorter than the fixed header
    ]) {
      expect(hashOf(packet)).toBe(empty);
    }
    // Cut inside the ports: the flow of its addresses and protocol, the same for every such cut.
    const whole = ipv4(17, A, B, ports(40000, 443));
    expect(hashOf(whole.subarray(0, 22))).toBe(hashOf(whole.subarray(0, 23)));
    expect(hashOf(whole.subarray(0, 22))).not.toBe(hashOf(whole));
  });

  it("reads nothing outside each packet, whatever its bytes (property; ASan watches the reads)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 120 }), { minLength: 1, maxLength: 16 }),
        fc.constantFrom(0x45, 0x46, 0x4f, 0x60),
        (packets, first) => {
          // The first byte says IPv4 (of several header lengths) or IPv6; the rest is anything.
          const shaped = packets.map((packet) =>
            packet.length > 0 ? Uint8Array.of(first, ...packet.subarray(1)) : packet,
          );
          const once = classify(shaped);
          const again = classify(shaped);
          expect([...again.hashes]).toEqual([...once.hashes]);
          // Each packet is hashed alone: its neighbours do not change its hash.
          for (const [i, packet] of shaped.entries()) {
            expect(hashOf(packet)).toBe(once.hashes[i]);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("the worker of a flow", () => {
  it("spreads many flows evenly and keeps each on one worker", () => {
    const flows = Array.from({ length: 8000 }, (_, i) =>
      ipv4(17, [10, (i >> 8) & 0xff, i & 0xff, 1], B, ports(20000 + (i % 5000), 53)),
    );
    for (const workers of [2, 3, 4]) {
      const { workers: owners } = classify(flows, workers);
      const counts = new Array(workers).fill(0);
      for (const owner of owners) counts[owner]++;
      for (const count of counts) {
        expect(Math.abs(count - 8000 / workers)).toBeLessThan(0.1 * (8000 / workers));
      }
      expect([...classify(flows, workers).workers]).toEqual([...owners]);
    }
    expect(new Set(classify(flows, 1).workers)).toEqual(new Set([0]));
  });

  it("refuses a key that is not 16 bytes, no worker, and lengths beyond the packets", () => {
    const packet = ipv4(17, A, B, ports(1, 2));
    const lengths = Uint32Array.of(packet.length);
    expect(() => flowHashes(new Uint8Array(8), packet, lengths, 1)).toThrow(RangeError);
    expect(() => flowHashes(KEY, packet, lengths, 0)).toThrow(RangeError);
    expect(() => flowHashes(KEY, packet, Uint32Array.of(packet.length + 1), 1)).toThrow(
      /add up to more than the packets/,
    );
    expect(() => flowHashes(KEY, packet, Uint32Array.of(4, 0xffffffff), 1)).toThrow(RangeError);
  });
});
