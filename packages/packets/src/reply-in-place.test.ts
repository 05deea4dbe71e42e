import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IpPacketView } from "./ip-packet-view.js";
import { buildIcmpEchoPacket, buildUdpPacket, type IpFields } from "./packet-builders.js";
import { REPLY_HOP_LIMIT, turnEchoRequestIntoReply, turnUdpIntoReply } from "./reply-in-place.js";
import { icmpEchoFields, ipFields, udpFields } from "./test-support/arbitraries.js";
import { fillUpperLayerChecksum, upperLayerChecksumVerifies } from "./upper-layer-checksum.js";

const slot = new Uint8Array(2048);

/** Packets a reply can be made from: a routing header would send the reply the wrong way. */
const replyableIp = ipFields.map(
  (fields): IpFields =>
    fields.version === 4
      ? fields
      : {
          ...fields,
          extensionHeaders: fields.extensionHeaders?.filter((header) => header.type !== 43),
        },
);
const ip = new IpPacketView();

function addresses(view: IpPacketView): string {
  const at = view.version === 4 ? view.offset + 12 : view.offset + 8;
  const size = view.version === 4 ? 4 : 16;
  return `${Buffer.from(view.bytes.subarray(at, at + size)).toString("hex")}>${Buffer.from(view.bytes.subarray(at + size, at + 2 * size)).toString("hex")}`;
}

function swapped(text: string): string {
  const [from, to] = text.split(">");
  return `${to}>${from}`;
}

describe("replies made in place", () => {
  it("turns any ICMPv4 or ICMPv6 echo request into a valid reply, checksums updated incrementally", () => {
    fc.assert(
      fc.property(replyableIp, icmpEchoFields, (fields, echo) => {
        const length = buildIcmpEchoPacket(slot, fields, { ...echo, reply: false });
        const packet = slot.slice(0, length);
        expect(ip.wrap(packet)).toBe(true);
        const before = addresses(ip);
        const data = packet.slice(ip.upperLayerOffset + 4);

        expect(turnEchoRequestIntoReply(packet)).toBe("replied");
        expect(ip.wrap(packet)).toBe(true);
        expect(addresses(ip)).toBe(swapped(before));
        expect(packet[ip.upperLayerOffset]).toBe(fields.version === 4 ? 0 : 129);
        expect(packet.slice(ip.upperLayerOffset + 4)).toEqual(data);
        expect(upperLayerChecksumVerifies(ip)).toBe(true);
        if (ip.version === 4) {
          expect(ip.ipv4.ttl).toBe(REPLY_HOP_LIMIT);
          expect(ip.ipv4.hasValidHeaderChecksum()).toBe(true);
        } else {
          expect(ip.ipv6.hopLimit).toBe(REPLY_HOP_LIMIT);
        }
        // The incremental result equals a full recomputation.
        const incremental = packet.slice();
        fillUpperLayerChecksum(ip);
        expect(packet).toEqual(incremental);

        expect(turnEchoRequestIntoReply(packet)).toBe("not-applicable"); // already a reply
      }),
      { numRuns: 200 },
    );
  });

  it("gives an ICMPv4 reply whose words are all zero the checksum 0xffff, as a full computation does", () => {
    // Identifier, sequence number and data all zero: the reply's words sum to zero, and no
    // pseudo-header adds to ICMPv4's sum, so 0xffff is its only valid checksum.
    for (const payload of [new Uint8Array(0), new Uint8Array(7), new Uint8Array(56)]) {
      const fields: IpFields = { version: 4, source: 0xc612_0001, destination: 0xc612_0002 };
      const length = buildIcmpEchoPacket(slot, fields, {
        identifier: 0,
        sequenceNumber: 0,
        payload,
      });
      const packet = slot.slice(0, length);
      expect(turnEchoRequestIntoReply(packet)).toBe("replied");
      expect(ip.wrap(packet)).toBe(true);
      const at = ip.upperLayerOffset;
      expect((packet[at + 2]! << 8) | packet[at + 3]!).toBe(0xffff);
      expect(upperLayerChecksumVerifies(ip)).toBe(true);
      const incremental = packet.slice();
      fillUpperLayerChecksum(ip);
      expect(packet).toEqual(incremental);
    }
    // One non-zero byte anywhere in the data keeps the ordinary result.
    const length = buildIcmpEchoPacket(
      slot,
      { version: 4, source: 0xc612_0001, destination: 0xc612_0002 },
      { identifier: 0, sequenceNumber: 0, payload: Uint8Array.of(0, 0, 1) },
    );
    const packet = slot.slice(0, length);
    expect(turnEchoRequestIntoReply(packet)).toBe("replied");
    expect(ip.wrap(packet)).toBe(true);
    expect(upperLayerChecksumVerifies(ip)).toBe(true);
    const incremental = packet.slice();
    fillUpperLayerChecksum(ip);
    expect(packet).toEqual(incremental);
  });

  it("turns any UDP datagram into its reply with ports and addresses swapped", () => {
    fc.assert(
      fc.property(replyableIp, udpFields, (fields, udp) => {
        const length = buildUdpPacket(slot, fields, udp);
        const packet = slot.slice(0, length);
        expect(ip.wrap(packet)).toBe(true);
        const before = addresses(ip);
        expect(turnUdpIntoReply(packet)).toBe("replied");
        expect(ip.wrap(packet)).toBe(true);
        expect(addresses(ip)).toBe(swapped(before));
        const at = ip.upperLayerOffset;
        expect((packet[at]! << 8) | packet[at + 1]!).toBe(udp.destinationPort);
        expect((packet[at + 2]! << 8) | packet[at + 3]!).toBe(udp.sourcePort);
        expect(upperLayerChecksumVerifies(ip)).toBe(true);
        if (ip.version === 4) expect(ip.ipv4.hasValidHeaderChecksum()).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("leaves alone what it must not answer, saying why", () => {
    const v4: IpFields = { version: 4, source: 0xc612_0001, destination: 0xc612_0002 };
    const echo = { identifier: 1, sequenceNumber: 2, payload: Uint8Array.of(1, 2, 3) };

    let length = buildIcmpEchoPacket(slot, v4, echo);
    const corrupted = slot.slice(0, length);
    corrupted[length - 1] = corrupted[length - 1]! ^ 0xff;
    expect(turnEchoRequestIntoReply(corrupted)).toBe("bad-checksum");

    length = buildIcmpEchoPacket(slot, { ...v4, moreFragments: true }, echo);
    expect(turnEchoRequestIntoReply(slot.slice(0, length))).toBe("fragment");

    length = buildUdpPacket(slot, v4, { sourcePort: 1, destinationPort: 2 });
    expect(turnEchoRequestIntoReply(slot.slice(0, length))).toBe("not-applicable");

    // IPv4 options: a loose (131) or strict (137) source route, each after a no-op; a record
    // route (7) is echoed as it came; an option whose length runs past the header is malformed.
    const route = (kind: number): Uint8Array => Uint8Array.of(1, kind, 7, 4, 198, 18, 0, 9);
    for (const kind of [131, 137]) {
      length = buildIcmpEchoPacket(slot, { ...v4, options: route(kind) }, echo);
      expect(turnEchoRequestIntoReply(slot.slice(0, length))).toBe("routing-header");
      length = buildUdpPacket(
        slot,
        { ...v4, options: route(kind) },
        { sourcePort: 1, destinationPort: 2 },
      );
      expect(turnUdpIntoReply(slot.slice(0, length))).toBe("routing-header");
    }
    length = buildIcmpEchoPacket(slot, { ...v4, options: route(7) }, echo);
    expect(turnEchoRequestIntoReply(slot.slice(0, length))).toBe("replied");
    length = buildIcmpEchoPacket(slot, { ...v4, options: Uint8Array.of(7, 12, 4, 0) }, echo);
    expect(turnEchoRequestIntoReply(slot.slice(0, length))).toBe("malformed");
    expect(turnUdpIntoReply(slot.slice(0, 10))).toBe("malformed");

    const v6: IpFields = {
      version: 6,
      source: new Uint8Array(16).fill(1),
      destination: new Uint8Array(16).fill(2),
      extensionHeaders: [{ type: 43, data: new Uint8Array(6) }],
    };
    length = buildIcmpEchoPacket(slot, v6, echo);
    expect(turnEchoRequestIntoReply(slot.slice(0, length))).toBe("routing-header");
    length = buildUdpPacket(
      slot,
      { ...v6, extensionHeaders: [] },
      { sourcePort: 1, destinationPort: 2 },
    );
    const zeroChecksum = slot.slice(0, length);
    zeroChecksum[46] = 0;
    zeroChecksum[47] = 0;
    expect(turnUdpIntoReply(zeroChecksum)).toBe("bad-checksum"); // zero is invalid over IPv6
  });
});
