import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PcapngFormatError, readPcapng } from "./pcapng-reader.js";
import {
  type EnhancedPacketHeader,
  enhancedPacketBlockLength,
  interfaceDescriptionBlock,
  LINKTYPE_RAW,
  PacketDirection,
  sectionHeaderBlock,
  setTimestamp,
  writeEnhancedPacketBlock,
} from "./pcapng-writer.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe("block layout", () => {
  it("writes a Section Header Block of version 1.0 with an unspecified section length", () => {
    expect(hex(sectionHeaderBlock())).toBe(
      "0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000",
    );
  });

  it("pads shb_userappl to 32 bits and ends the options", () => {
    expect(hex(sectionHeaderBlock({ application: "Magma" }))).toBe(
      "0a0d0d0a2c0000004d3c2b1a01000000ffffffffffffffff" +
        "040005004d61676d61000000" + // shb_userappl, 5 bytes, padded to 8
        "00000000" + // opt_endofopt
        "2c000000",
    );
  });

  it("writes an Interface Description Block with if_name and if_tsresol", () => {
    const block = interfaceDescriptionBlock({
      linkType: LINKTYPE_RAW,
      snapLength: 65535,
      name: "tun0",
      timestampResolution: 9,
    });
    expect(hex(block)).toBe(
      "0100000028000000" + // type 1, 40 bytes
        "65000000ffff0000" + // LINKTYPE_RAW, reserved, snap length 65535
        "0200040074756e30" + // if_name "tun0"
        "0900010009000000" + // if_tsresol 9, padded
        "00000000" +
        "28000000",
    );
  });

  it("leaves if_tsresol out for the default microseconds and refuses an impossible one", () => {
    expect(hex(interfaceDescriptionBlock({ linkType: 101, snapLength: 0 }))).toBe(
      "01000000140000006500000000000000" + "14000000",
    );
    expect(() =>
      interfaceDescriptionBlock({ linkType: 101, snapLength: 0, timestampResolution: 200 }),
    ).toThrow(RangeError);
  });

  it("writes an Enhanced Packet Block with padding, epb_flags and both lengths", () => {
    const header: EnhancedPacketHeader = {
      interfaceId: 0,
      timestampHigh: 0,
      timestampLow: 0,
      direction: PacketDirection.Outbound,
    };
    setTimestamp(header, 0x0123456789abcdefn);
    const target = new Uint8Array(enhancedPacketBlockLength(5)).fill(0xee);
    const end = writeEnhancedPacketBlock(target, 0, header, Uint8Array.of(1, 2, 3, 4, 5, 6), 5, 6);
    expect(end).toBe(52);
    expect(hex(target)).toBe(
      "0600000034000000" + // type 6, 52 bytes
        "00000000" + // interface 0
        "67452301efcdab89" + // timestamp: upper 32 bits, then lower 32 bits
        "0500000006000000" + // captured 5 of 6
        "0102030405000000" + // data, zero-padded
        "0200040002000000" + // epb_flags: outbound
        "00000000" +
        "34000000",
    );
  });

  it("throws a RangeError rather than writing past the target", () => {
    const header = {
      interfaceId: 0,
      timestampHigh: 0,
      timestampLow: 0,
      direction: PacketDirection.Inbound,
    };
    expect(() =>
      writeEnhancedPacketBlock(new Uint8Array(40), 0, header, new Uint8Array(5), 5, 5),
    ).toThrow(RangeError);
  });
});

describe("reading back", () => {
  it("round-trips any packets, directions, timestamps and snap lengths", () => {
    const packet = fc.record({
      data: fc.uint8Array({ maxLength: 300 }),
      direction: fc.constantFrom(
        PacketDirection.Unknown,
        PacketDirection.Inbound,
        PacketDirection.Outbound,
      ),
      timestamp: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    });
    fc.assert(
      fc.property(
        fc.array(packet, { maxLength: 20 }),
        fc.integer({ min: 1, max: 400 }),
        fc.option(fc.string(), { nil: undefined }),
        (packets, snapLength, name) => {
          const blocks: Uint8Array[] = [
            sectionHeaderBlock({ application: "test" }),
            interfaceDescriptionBlock({
              linkType: LINKTYPE_RAW,
              snapLength,
              timestampResolution: 9,
              ...(name === undefined ? {} : { name }),
            }),
          ];
          const header = {
            interfaceId: 0,
            timestampHigh: 0,
            timestampLow: 0,
            direction: PacketDirection.Unknown,
          } as EnhancedPacketHeader;
          for (const p of packets) {
            const captured = Math.min(snapLength, p.data.length);
            const block = new Uint8Array(enhancedPacketBlockLength(captured));
            header.direction = p.direction;
            setTimestamp(header, p.timestamp);
            expect(
              writeEnhancedPacketBlock(block, 0, header, p.data, captured, p.data.length),
            ).toBe(block.length);
            blocks.push(block);
          }
          const file = readPcapng(Buffer.concat(blocks));
          expect(file.application).toBe("test");
          expect(file.interfaces).toEqual([
            { linkType: 101, snapLength, name, timestampResolution: 9 },
          ]);
          expect(file.packets).toEqual(
            packets.map((p) => ({
              interfaceId: 0,
              timestamp: p.timestamp,
              originalLength: p.data.length,
              data: p.data.slice(0, snapLength),
              direction: p.direction,
            })),
          );
        },
      ),
    );
  });

  it("refuses what is not pcapng, or is cut short, with a PcapngFormatError", () => {
    const file = Buffer.concat([
      sectionHeaderBlock(),
      interfaceDescriptionBlock({ linkType: 101, snapLength: 0 }),
    ]);
    expect(() => readPcapng(new Uint8Array(40))).toThrow(PcapngFormatError);
    expect(() => readPcapng(file.subarray(0, file.length - 4))).toThrow(
      expect.objectContaining({ code: "TRUNCATED" }),
    );
    const corrupt = Uint8Array.from(file);
    corrupt[corrupt.length - 4] = 0x18;
    expect(() => readPcapng(corrupt)).toThrow(expect.objectContaining({ code: "BAD_BLOCK" }));
  });

  it("reads a big-endian file by its byte-order magic", () => {
    const be = Buffer.from(
      "0a0d0d0a0000001c1a2b3c4d00010000ffffffffffffffff0000001c" +
        "00000001000000140065000000000000" +
        "00000014",
      "hex",
    );
    const file = readPcapng(be);
    expect(file.littleEndian).toBe(false);
    expect(file.interfaces).toEqual([
      { linkType: 101, snapLength: 0, name: undefined, timestampResolution: 6 },
    ]);
  });
});
