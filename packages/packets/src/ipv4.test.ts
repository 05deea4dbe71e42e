import { describe, expect, it } from "vitest";
import { formatIpv4Address } from "./ip-address.js";
import { Ipv4View, writeIpv4Header } from "./ipv4.js";
import { OptionCursor } from "./option-cursor.js";
import { ipv4PseudoHeaderSum } from "./pseudo-header.js";
import { hexToBytes } from "./test-support/reference-checksum.js";

// A captured UDP packet header: 192.168.0.1 -> 192.168.0.199, DF, TTL 64, checksum b861.
const captured = "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7";

function packet(hex: string, payloadLength: number): Uint8Array {
  const header = hexToBytes(hex);
  const bytes = new Uint8Array(header.length + payloadLength);
  bytes.set(header);
  return bytes;
}

describe("Ipv4View", () => {
  const view = new Ipv4View();

  it("reads every field of a captured header", () => {
    expect(view.wrap(packet(captured, 0x73 - 20))).toBe(true);
    expect(view.status).toBe("ok");
    expect(view.version).toBe(4);
    expect(view.ihl).toBe(5);
    expect(view.headerLength).toBe(20);
    expect(view.totalLength).toBe(0x73);
    expect(view.dontFragment).toBe(true);
    expect(view.moreFragments).toBe(false);
    expect(view.flags).toBe(0b010);
    expect(view.fragmentOffset).toBe(0);
    expect(view.isFragment).toBe(false);
    expect(view.ttl).toBe(64);
    expect(view.protocol).toBe(17);
    expect(view.headerChecksum).toBe(0xb861);
    expect(formatIpv4Address(view.source)).toBe("192.168.0.1");
    expect(formatIpv4Address(view.destination)).toBe("192.168.0.199");
    expect(view.payloadOffset).toBe(20);
    expect(view.payloadLength).toBe(0x73 - 20);
    expect(view.hasValidHeaderChecksum()).toBe(true);
  });

  it("splits DSCP and ECN and reads fragment fields", () => {
    const bytes = new Uint8Array(60);
    const length = writeIpv4Header(
      bytes,
      0,
      {
        source: 1,
        destination: 2,
        protocol: 17,
        dscp: 46,
        ecn: 3,
        moreFragments: true,
        fragmentOffset: 0x1abc,
      },
      40,
    );
    expect(length).toBe(20);
    expect(view.wrap(bytes)).toBe(true);
    expect(bytes[1]).toBe(0xbb);
    expect(view.dscp).toBe(46);
    expect(view.ecn).toBe(3);
    expect(view.moreFragments).toBe(true);
    expect(view.dontFragment).toBe(false);
    expect(view.fragmentOffset).toBe(0x1abc);
    expect(view.isFragment).toBe(true);
  });

  it("walks options: router alert and record route, padded to a 4-byte boundary", () => {
    const bytes = new Uint8Array(64);
    const options = Uint8Array.of(0x94, 0x04, 0x00, 0x00, 0x07, 0x07, 0x04, 0, 0, 0, 0);
    const headerLength = writeIpv4Header(
      bytes,
      0,
      { source: 1, destination: 2, protocol: 6, options },
      0,
    );
    expect(headerLength).toBe(32);
    expect(view.wrap(bytes)).toBe(true);
    expect(view.ihl).toBe(8);
    expect(view.optionsLength).toBe(12);
    const cursor = view.options(new OptionCursor());
    const kinds: number[] = [];
    while (cursor.next()) kinds.push(cursor.kind, cursor.valueLength);
    expect(kinds).toEqual([0x94, 2, 0x07, 5]);
    expect(cursor.status).toBe("end");
    expect(view.hasValidHeaderChecksum()).toBe(true);
  });

  it("reports a bad option length without reading past the header", () => {
    const bytes = packet("4600 0018 0000 0000 4006 0000 c612 0001 c612 0002 0709 0400", 0);
    expect(view.wrap(bytes)).toBe(true);
    const cursor = view.options(new OptionCursor());
    expect(cursor.next()).toBe(false);
    expect(cursor.status).toBe("bad-length");
  });

  it("refuses truncated and inconsistent headers with a reason", () => {
    const cases: [Uint8Array, string][] = [
      [hexToBytes("4500 0014 0000"), "truncated"],
      [packet("6500 0014 0000 0000 4011 0000 0000 0000 0000 0000", 0), "bad-version"],
      [packet("4400 0014 0000 0000 4011 0000 0000 0000 0000 0000", 0), "bad-header-length"],
      [packet("4f00 0014 0000 0000 4011 0000 0000 0000 0000 0000", 0), "bad-header-length"],
      [packet("4500 0013 0000 0000 4011 0000 0000 0000 0000 0000", 0), "bad-total-length"],
      [packet("4500 0064 0000 0000 4011 0000 0000 0000 0000 0000", 10), "bad-total-length"],
    ];
    for (const [bytes, status] of cases) {
      expect(view.wrap(bytes)).toBe(false);
      expect(view.status).toBe(status);
    }
  });

  it("detects a corrupted header checksum", () => {
    const bytes = packet(captured, 0x73 - 20);
    bytes[8] = 63;
    expect(view.wrap(bytes)).toBe(true);
    expect(view.hasValidHeaderChecksum()).toBe(false);
    view.updateHeaderChecksum();
    expect(view.hasValidHeaderChecksum()).toBe(true);
  });

  it("keeps the header checksum right through TTL and address changes and swaps", () => {
    const bytes = packet(captured, 0x73 - 20);
    expect(view.wrap(bytes)).toBe(true);
    view.setTtl(1);
    view.setSource(0xc612_0001);
    view.setDestination(0xc613_fffe);
    expect(view.hasValidHeaderChecksum()).toBe(true);
    view.swapAddresses();
    expect(view.source).toBe(0xc613_fffe);
    expect(view.destination).toBe(0xc612_0001);
    expect(view.ttl).toBe(1);
    expect(view.hasValidHeaderChecksum()).toBe(true);
  });

  it("wraps a packet in the middle of a larger buffer", () => {
    const bytes = new Uint8Array(200).fill(0xee);
    bytes.set(packet(captured, 0x73 - 20), 50);
    expect(view.wrap(bytes, 50, 0x73)).toBe(true);
    expect(view.payloadOffset).toBe(70);
    expect(view.hasValidHeaderChecksum()).toBe(true);
    expect(view.wrap(bytes, 50, 0x72)).toBe(false);
  });

  it("refuses a header offset or payload length that is not a non-negative integer", () => {
    const fields = { source: 1, destination: 2, protocol: 17 };
    const bytes = new Uint8Array(40);
    for (const offset of [-1, 0.5, Number.NaN, 41]) {
      expect(() => writeIpv4Header(bytes, offset, fields, 0)).toThrow(
        new RangeError(`writeIpv4Header: offset must be an integer from 0 to 40, got ${offset}`),
      );
    }
    for (const length of [-1, 0.5, Number.NaN]) {
      expect(() => writeIpv4Header(bytes, 0, fields, length)).toThrow(
        new RangeError(
          `writeIpv4Header: payloadLength must be a non-negative integer, got ${length}`,
        ),
      );
    }
    expect(writeIpv4Header(bytes, 40, fields, 0)).toBe(0);
    expect(writeIpv4Header(bytes, 0, fields, 21)).toBe(0);
  });

  it("sums the pseudo-header only of a whole header inside the array", () => {
    const bytes = packet(captured, 0);
    expect(ipv4PseudoHeaderSum(bytes, 0, 17, 8)).toBe(0xc0a8 + 0x0001 + 0xc0a8 + 0x00c7 + 17 + 8);
    for (const offset of [-12, 0.5, Number.NaN, 1]) {
      expect(() => ipv4PseudoHeaderSum(bytes, offset, 17, 8)).toThrow(
        new RangeError(
          `ipv4PseudoHeaderSum: ipOffset must be an integer from 0 to 0, got ${offset}`,
        ),
      );
    }
  });
});
