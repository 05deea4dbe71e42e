import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  IPV6_MAX_EXTENSION_HEADERS,
  type Ipv6ExtensionHeader,
  type Ipv6HeaderFields,
  Ipv6View,
  ipv6HeaderLength,
  writeIpv6Header,
} from "./ipv6.js";
import {
  handDestination,
  handHeaderLength,
  handSource,
  ipv6ByHand,
} from "./test-support/ipv6-by-hand.js";

const view = new Ipv6View();
const slot = new Uint8Array(4096);

/** What the parser says about a chain, and what it should say about one given to the builder. */
interface ChainSummary {
  count: number;
  protocol: number;
  upperLayerOffset: number;
  upperLayerLength: number;
  hasRoutingHeader: boolean;
  hasFragmentHeader: boolean;
  fragment: [offset: number, more: boolean, identification: number];
}

function parsedChain(): ChainSummary {
  return {
    count: view.extensionHeaderCount,
    protocol: view.upperLayerProtocol,
    upperLayerOffset: view.upperLayerOffset,
    upperLayerLength: view.upperLayerLength,
    hasRoutingHeader: view.hasRoutingHeader,
    hasFragmentHeader: view.hasFragmentHeader,
    fragment: [view.fragmentOffset, view.moreFragments, view.fragmentIdentification],
  };
}

function givenChain(
  chain: readonly Ipv6ExtensionHeader[],
  protocol: number,
  payloadLength: number,
): ChainSummary {
  const fragments = chain.filter((header) => header.type === 44);
  const last = fragments.at(-1);
  return {
    count: chain.length,
    protocol,
    upperLayerOffset: 40 + chain.reduce((sum, header) => sum + handHeaderLength(header), 0),
    upperLayerLength: payloadLength,
    hasRoutingHeader: chain.some((header) => header.type === 43),
    hasFragmentHeader: last !== undefined,
    fragment:
      last === undefined
        ? [0, false, 0]
        : [last.fragmentOffset, last.moreFragments, last.identification],
  };
}

function fields(chain: readonly Ipv6ExtensionHeader[], protocol: number): Ipv6HeaderFields {
  return { source: handSource, destination: handDestination, protocol, extensionHeaders: chain };
}

const dataHeader = (types: readonly (0 | 43 | 60)[]): fc.Arbitrary<Ipv6ExtensionHeader> =>
  fc.record({ type: fc.constantFrom(...types), data: fc.uint8Array({ maxLength: 40 }) });
const fragmentHeader: fc.Arbitrary<Ipv6ExtensionHeader> = fc.record({
  type: fc.constant(44 as const),
  fragmentOffset: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0x1fff })),
  moreFragments: fc.boolean(),
  identification: fc.nat(0xffff_ffff),
});
const anyHeader = fc.oneof(dataHeader([0, 43, 60]), fragmentHeader);
const noHopByHop = fc.oneof(dataHeader([43, 60]), fragmentHeader);

/** Short chains in any order, long ones around the limit, with and without misplaced hop-by-hop. */
const chain = fc.oneof(
  fc.array(anyHeader, { maxLength: 5 }),
  fc
    .tuple(fc.boolean(), fc.array(noHopByHop, { maxLength: 6 }))
    .map(([hopByHop, rest]) =>
      hopByHop ? [{ type: 0 as const, data: new Uint8Array(6) }, ...rest] : rest,
    ),
  fc.array(noHopByHop, { minLength: IPV6_MAX_EXTENSION_HEADERS - 2, maxLength: 19 }),
  fc.array(anyHeader, { minLength: IPV6_MAX_EXTENSION_HEADERS - 2, maxLength: 19 }),
);
const protocol = fc.oneof(
  fc.constantFrom(6, 17, 58, 59),
  fc.constantFrom(0, 43, 44, 60),
  fc.nat(255),
);

describe("IPv6 extension-header chains: the builder writes exactly what the parser reads", () => {
  it("a chain the builder accepts parses back as the same chain, protocol and payload; one it refuses, the parser refuses or reads as another chain", () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(chain, protocol, fc.uint8Array({ maxLength: 64 }), (headers, next, payload) => {
        const byHand = ipv6ByHand(headers, next, payload);
        let written: number | undefined;
        try {
          written = writeIpv6Header(slot, 0, fields(headers, next), payload.length);
        } catch (error) {
          expect(error).toBeInstanceOf(RangeError);
        }
        const parsed = view.wrap(byHand);
        const expected = givenChain(headers, next, payload.length);
        if (written !== undefined) {
          accepted++;
          expect(written).toBe(byHand.length - payload.length);
          slot.set(payload, written);
          expect(slot.subarray(0, byHand.length)).toEqual(byHand);
          expect(parsed).toBe(true);
          expect(parsedChain()).toEqual(expected);
          expect(byHand.subarray(view.upperLayerOffset)).toEqual(payload);
        } else {
          refused++;
          if (parsed) expect(parsedChain()).not.toEqual(expected);
        }
      }),
      { numRuns: 2000 },
    );
    // Both sides of the property were exercised, not just one.
    expect(accepted).toBeGreaterThan(300);
    expect(refused).toBeGreaterThan(300);
  });

  it("accepts headers in any order and repeated, as RFC 8200 §4.1 requires receivers to", () => {
    const headers: Ipv6ExtensionHeader[] = [
      { type: 60, data: new Uint8Array(6) },
      { type: 44, fragmentOffset: 0, moreFragments: true, identification: 1 },
      { type: 43, data: new Uint8Array(6) },
      { type: 44, fragmentOffset: 0, moreFragments: false, identification: 2 },
      { type: 60, data: new Uint8Array(14) },
      { type: 60, data: new Uint8Array(0) },
    ];
    const length = writeIpv6Header(slot, 0, fields(headers, 17), 0);
    expect(length).toBe(40 + 8 + 8 + 8 + 8 + 16 + 8);
    expect(view.wrap(slot, 0, length)).toBe(true);
    expect(parsedChain()).toEqual(givenChain(headers, 17, 0));
  });

  it("refuses hop-by-hop anywhere but first, and so does the parser (RFC 8200 §4.1)", () => {
    const headers: Ipv6ExtensionHeader[] = [
      { type: 60, data: new Uint8Array(6) },
      { type: 0, data: new Uint8Array(6) },
    ];
    expect(() => writeIpv6Header(slot, 0, fields(headers, 17), 0)).toThrow(
      /extensionHeaders\[1\] is a Hop-by-Hop Options header \(0\), which may only come first.*RFC 8200 §4\.1/,
    );
    expect(view.wrap(ipv6ByHand(headers, 17, new Uint8Array(0)))).toBe(false);
    expect(view.status).toBe("bad-extension-header");

    expect(() => writeIpv6Header(slot, 0, fields([], 0), 8)).toThrow(/protocol 0 .*RFC 8200 §4\.1/);
    const laterFragment: Ipv6ExtensionHeader = {
      type: 44,
      fragmentOffset: 9,
      moreFragments: false,
      identification: 5,
    };
    expect(() => writeIpv6Header(slot, 0, fields([laterFragment], 0), 8)).toThrow(/protocol 0/);
    expect(view.wrap(ipv6ByHand([laterFragment], 0, new Uint8Array(8)))).toBe(false);
    expect(view.status).toBe("bad-extension-header");
  });

  it("refuses more than IPV6_MAX_EXTENSION_HEADERS headers, and so does the parser", () => {
    const header: Ipv6ExtensionHeader = { type: 60, data: new Uint8Array(6) };
    const most = Array.from({ length: IPV6_MAX_EXTENSION_HEADERS }, () => header);
    expect(writeIpv6Header(slot, 0, fields(most, 17), 0)).toBe(40 + 8 * 16);
    const tooMany = [...most, header];
    expect(() => ipv6HeaderLength({ extensionHeaders: tooMany })).toThrow(
      "extensionHeaders holds 17 headers; at most 16 are allowed",
    );
    expect(view.wrap(ipv6ByHand(tooMany, 17, new Uint8Array(0)))).toBe(false);
    expect(view.status).toBe("too-many-extension-headers");
  });

  it("ends the chain at the fragment header of a later fragment, where fragment data follows (RFC 8200 §4.5)", () => {
    const later: Ipv6ExtensionHeader = {
      type: 44,
      fragmentOffset: 100,
      moreFragments: true,
      identification: 3,
    };
    // The fragment data of a packet whose fragmentable part starts with destination options: the
    // parser must not read it as a header (these bytes would run past the payload).
    const data = Uint8Array.of(17, 200, 1, 2, 3, 4, 5, 6);
    const bytes = ipv6ByHand([later], 60, data);
    expect(view.wrap(bytes)).toBe(true);
    expect(parsedChain()).toEqual(givenChain([later], 60, 8));
    expect(view.isFragment).toBe(true);

    const length = writeIpv6Header(slot, 0, fields([later], 60), 8);
    slot.set(data, length);
    expect(slot.subarray(0, bytes.length)).toEqual(bytes);

    expect(() =>
      writeIpv6Header(slot, 0, fields([later, { type: 60, data: new Uint8Array(6) }], 17), 0),
    ).toThrow(
      /extensionHeaders\[0\] is the Fragment header of a fragment other than the first.*§4\.5/,
    );
  });

  it("refuses an extension-header type as the protocol, which the parser would read as one more header", () => {
    for (const type of [43, 44, 60]) {
      expect(() => writeIpv6Header(slot, 0, fields([], type), 8)).toThrow(
        `writeIpv6Header: protocol ${type} is an extension header`,
      );
    }
    const data = Uint8Array.of(17, 0, 0, 0, 0, 0, 0, 0);
    expect(view.wrap(ipv6ByHand([], 60, data))).toBe(true);
    expect(view.extensionHeaderCount).toBe(1);
    expect(view.upperLayerProtocol).toBe(17);
  });

  it("refuses fields it cannot write as given, naming them", () => {
    const cases: [Ipv6ExtensionHeader, RegExp][] = [
      [
        { type: 44, fragmentOffset: 8192, moreFragments: false, identification: 0 },
        /extensionHeaders\[0\]\.fragmentOffset must be an integer from 0 to 8191 .*got 8192/,
      ],
      [
        { type: 44, fragmentOffset: -1, moreFragments: false, identification: 0 },
        /fragmentOffset .*got -1/,
      ],
      [
        { type: 44, fragmentOffset: 1.5, moreFragments: false, identification: 0 },
        /fragmentOffset .*got 1\.5/,
      ],
      [
        { type: 44, fragmentOffset: 0, moreFragments: false, identification: 2 ** 32 },
        /extensionHeaders\[0\]\.identification must be an integer from 0 to 4294967295, got 4294967296/,
      ],
      [
        { type: 44, fragmentOffset: 0, moreFragments: false, identification: Number.NaN },
        /identification .*got NaN/,
      ],
      [
        { type: 51, data: new Uint8Array(6) } as unknown as Ipv6ExtensionHeader,
        /extensionHeaders\[0\]\.type must be 0 \(Hop-by-Hop Options\), 43 \(Routing\), 44 \(Fragment\) or 60 \(Destination Options\), got 51/,
      ],
      [
        { type: 60, data: new Uint8Array(2047) },
        /extensionHeaders\[0\]\.data holds 2047 bytes; an extension header holds at most 2046/,
      ],
    ];
    for (const [header, message] of cases) {
      expect(() => ipv6HeaderLength({ extensionHeaders: [header] })).toThrow(RangeError);
      expect(() => ipv6HeaderLength({ extensionHeaders: [header] })).toThrow(message);
    }
    expect(
      writeIpv6Header(slot, 0, fields([{ type: 60, data: new Uint8Array(2046) }], 17), 0),
    ).toBe(40 + 2048);
    const notBoolean = { type: 44, fragmentOffset: 0, moreFragments: 1, identification: 0 };
    expect(() =>
      ipv6HeaderLength({ extensionHeaders: [notBoolean as unknown as Ipv6ExtensionHeader] }),
    ).toThrow(new TypeError("extensionHeaders[0].moreFragments must be a boolean, got number"));
    const noData = { type: 60 } as unknown as Ipv6ExtensionHeader;
    expect(() => ipv6HeaderLength({ extensionHeaders: [noData] })).toThrow(
      new TypeError("extensionHeaders[0].data must be a Uint8Array"),
    );
    for (const bad of [256, -1, 6.5, Number.NaN]) {
      expect(() => writeIpv6Header(slot, 0, fields([], bad), 8)).toThrow(
        `writeIpv6Header: protocol must be an integer from 0 to 255, got ${bad}`,
      );
    }
  });

  it("refuses an offset or upper-layer length that is not a non-negative integer, and returns 0 when the packet does not fit", () => {
    const ok = fields([], 17);
    for (const offset of [-1, 0.5, Number.NaN, slot.length + 1]) {
      expect(() => writeIpv6Header(slot, offset, ok, 8)).toThrow(
        `writeIpv6Header: offset must be an integer from 0 to ${slot.length}, got ${offset}`,
      );
    }
    for (const length of [-1, 0.5, Number.NaN]) {
      expect(() => writeIpv6Header(slot, 0, ok, length)).toThrow(
        `writeIpv6Header: upperLayerLength must be a non-negative integer, got ${length}`,
      );
    }
    expect(writeIpv6Header(slot, slot.length, ok, 0)).toBe(0);
    expect(writeIpv6Header(slot, 0, ok, 65536)).toBe(0);
  });
});
