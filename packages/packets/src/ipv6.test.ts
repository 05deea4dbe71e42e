import { describe, expect, it } from "vitest";
import { formatIpv6Address, parseIpv6Address } from "./ip-address.js";
import { Ipv6View, writeIpv6Header } from "./ipv6.js";
import { ipv6PseudoHeaderSum } from "./pseudo-header.js";
import { ipv6ByHand } from "./test-support/ipv6-by-hand.js";
import { hexToBytes } from "./test-support/reference-checksum.js";

const source = parseIpv6Address("fd6d:6167:6d61::1")!;
const destination = parseIpv6Address("fd6d:6167:6d61::2")!;

function build(
  extensionHeaders: Parameters<typeof writeIpv6Header>[2]["extensionHeaders"],
  upper = 8,
) {
  const bytes = new Uint8Array(400);
  const headerLength = writeIpv6Header(
    bytes,
    0,
    {
      source,
      destination,
      protocol: 17,
      trafficClass: 0xb9,
      flowLabel: 0xabcde,
      hopLimit: 9,
      extensionHeaders,
    },
    upper,
  );
  return { bytes: bytes.subarray(0, headerLength + upper), headerLength };
}

describe("Ipv6View", () => {
  const view = new Ipv6View();

  it("reads the fixed header of a captured packet (ICMPv6 echo from fe80::1 to ff02::1)", () => {
    const bytes = hexToBytes(
      "6000 0000 0010 3aff fe80 0000 0000 0000 0000 0000 0000 0001 ff02 0000 0000 0000 0000 0000 0000 0001" +
        "8000 0000 0001 0001 0000 0000 0000 0000",
    );
    expect(view.wrap(bytes)).toBe(true);
    expect(view.version).toBe(6);
    expect(view.payloadLength).toBe(16);
    expect(view.nextHeader).toBe(58);
    expect(view.hopLimit).toBe(255);
    expect(formatIpv6Address(bytes, view.sourceOffset)).toBe("fe80::1");
    expect(formatIpv6Address(bytes, view.destinationOffset)).toBe("ff02::1");
    expect(view.upperLayerProtocol).toBe(58);
    expect(view.upperLayerOffset).toBe(40);
    expect(view.upperLayerLength).toBe(16);
    expect(view.extensionHeaderCount).toBe(0);
  });

  it("splits traffic class into DSCP and ECN and reads the flow label", () => {
    const { bytes } = build([]);
    expect(view.wrap(bytes)).toBe(true);
    expect(view.trafficClass).toBe(0xb9);
    expect(view.dscp).toBe(46);
    expect(view.ecn).toBe(1);
    expect(view.flowLabel).toBe(0xabcde);
    expect(view.hopLimit).toBe(9);
  });

  it("walks hop-by-hop, routing, fragment and destination options to the upper layer", () => {
    const { bytes, headerLength } = build([
      { type: 0, data: new Uint8Array(6) },
      { type: 43, data: new Uint8Array(14) },
      { type: 44, fragmentOffset: 0, moreFragments: false, identification: 0xdeadbeef },
      { type: 60, data: new Uint8Array(6) },
    ]);
    expect(headerLength).toBe(40 + 8 + 16 + 8 + 8);
    expect(view.wrap(bytes)).toBe(true);
    expect(view.nextHeader).toBe(0);
    expect(view.extensionHeaderCount).toBe(4);
    expect(view.hasRoutingHeader).toBe(true);
    expect(view.hasFragmentHeader).toBe(true);
    expect(view.fragmentIdentification).toBe(0xdeadbeef);
    expect(view.isFragment).toBe(false); // an atomic fragment is a whole packet
    expect(view.upperLayerProtocol).toBe(17);
    expect(view.upperLayerOffset).toBe(headerLength);
    expect(view.upperLayerLength).toBe(8);
  });

  it("reports a later fragment", () => {
    const { bytes } = build([
      { type: 44, fragmentOffset: 100, moreFragments: true, identification: 3 },
    ]);
    expect(view.wrap(bytes)).toBe(true);
    expect(view.isFragment).toBe(true);
    expect(view.fragmentOffset).toBe(100);
    expect(view.moreFragments).toBe(true);
  });

  it("refuses extension headers that run past the payload, misplaced hop-by-hop, and endless chains", () => {
    const { bytes } = build([{ type: 60, data: new Uint8Array(6) }], 0);
    bytes[41] = 1; // says 16 bytes, 8 present
    expect(view.wrap(bytes)).toBe(false);
    expect(view.status).toBe("bad-extension-header");

    const misplaced = ipv6ByHand(
      [
        { type: 60, data: new Uint8Array(6) },
        { type: 0, data: new Uint8Array(6) },
      ],
      17,
      new Uint8Array(0),
    );
    expect(view.wrap(misplaced)).toBe(false);
    expect(view.status).toBe("bad-extension-header");

    const chain = ipv6ByHand(
      Array.from({ length: 17 }, () => ({ type: 60 as const, data: new Uint8Array(6) })),
      17,
      new Uint8Array(0),
    );
    expect(view.wrap(chain)).toBe(false);
    expect(view.status).toBe("too-many-extension-headers");

    const truncatedFragment = build([], 4);
    truncatedFragment.bytes[6] = 44;
    expect(view.wrap(truncatedFragment.bytes)).toBe(false);
    expect(view.status).toBe("bad-extension-header");
  });

  it("refuses truncated packets, other versions and payload lengths beyond the buffer", () => {
    const { bytes } = build([], 8);
    expect(view.wrap(bytes.subarray(0, 39))).toBe(false);
    expect(view.status).toBe("truncated");
    expect(view.wrap(bytes, 0, 47)).toBe(false);
    expect(view.status).toBe("bad-payload-length");
    bytes[0] = 0x45;
    expect(view.wrap(bytes)).toBe(false);
    expect(view.status).toBe("bad-version");
  });

  it("swaps addresses and sets the hop limit in place", () => {
    const { bytes } = build([]);
    expect(view.wrap(bytes)).toBe(true);
    view.swapAddresses();
    view.setHopLimit(64);
    expect(formatIpv6Address(bytes, view.sourceOffset)).toBe("fd6d:6167:6d61::2");
    expect(formatIpv6Address(bytes, view.destinationOffset)).toBe("fd6d:6167:6d61::1");
    expect(view.hopLimit).toBe(64);
  });

  it("sums the pseudo-header only of a whole fixed header inside the array", () => {
    const { bytes } = build([], 8);
    expect(() => ipv6PseudoHeaderSum(bytes, 0, 17, 8)).not.toThrow();
    for (const offset of [-8, 0.5, Number.NaN, 9]) {
      expect(() => ipv6PseudoHeaderSum(bytes, offset, 17, 8)).toThrow(
        new RangeError(
          `ipv6PseudoHeaderSum: ipOffset must be an integer from 0 to 8, got ${offset}`,
        ),
      );
    }
  });
});
