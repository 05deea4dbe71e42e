import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_STREAMED_BLOCK_LENGTH, PcapngBlockSplitter } from "./pcapng-block-splitter.js";
import { PcapngFormatError } from "./pcapng-reader.js";
import {
  BlockType,
  type EnhancedPacketHeader,
  enhancedPacketBlockLength,
  interfaceDescriptionBlock,
  LINKTYPE_RAW,
  PacketDirection,
  sectionHeaderBlock,
  writeEnhancedPacketBlock,
} from "./pcapng-writer.js";

function packetBlock(length: number, fill: number): Uint8Array {
  const header: EnhancedPacketHeader = {
    interfaceId: 0,
    timestampHigh: 0,
    timestampLow: fill,
    direction: PacketDirection.Inbound,
  };
  const block = new Uint8Array(enhancedPacketBlockLength(length));
  writeEnhancedPacketBlock(block, 0, header, new Uint8Array(length).fill(fill), length, length);
  return block;
}

function stream(blocks: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(blocks);
}

// A big-endian Section Header Block: the same fields with every number's bytes reversed.
function bigEndianSection(): Uint8Array {
  const block = new Uint8Array(28);
  const view = new DataView(block.buffer);
  view.setUint32(0, BlockType.SectionHeader, false);
  view.setUint32(4, 28, false);
  view.setUint32(8, 0x1a2b3c4d, false);
  view.setUint16(12, 1, false);
  view.setBigInt64(16, -1n, false);
  view.setUint32(24, 28, false);
  return block;
}

describe("PcapngBlockSplitter", () => {
  const blocks = [
    sectionHeaderBlock({ application: "test" }),
    interfaceDescriptionBlock({ linkType: LINKTYPE_RAW, snapLength: 65535, name: "tun0" }),
    packetBlock(1, 1),
    packetBlock(60, 2),
    packetBlock(1500, 3),
    packetBlock(0, 4),
  ];
  const bytes = stream(blocks);

  it("gives the same blocks however the stream is cut", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }),
        (cuts) => {
          const splitter = new PcapngBlockSplitter();
          const got: Uint8Array[] = [];
          let from = 0;
          for (const cut of [...cuts.sort((a, b) => a - b), bytes.length]) {
            for (const block of splitter.push(bytes.subarray(from, cut))) got.push(block.bytes);
            from = cut;
          }
          expect(got.map((b) => Buffer.from(b).toString("hex"))).toEqual(
            blocks.map((b) => Buffer.from(b).toString("hex")),
          );
          expect(splitter.pendingLength).toBe(0);
        },
      ),
    );
  });

  it("names each block's type and keeps a partial block pending", () => {
    const splitter = new PcapngBlockSplitter();
    const cut = (blocks[0] as Uint8Array).length + 10;
    expect(splitter.push(bytes.subarray(0, cut)).map((b) => b.type)).toEqual([
      BlockType.SectionHeader,
    ]);
    expect(splitter.pendingLength).toBe(10);
    expect(splitter.push(bytes.subarray(cut)).map((b) => b.type)).toEqual([
      BlockType.InterfaceDescription,
      BlockType.EnhancedPacket,
      BlockType.EnhancedPacket,
      BlockType.EnhancedPacket,
      BlockType.EnhancedPacket,
    ]);
  });

  it("reads a big-endian section", () => {
    const splitter = new PcapngBlockSplitter();
    const got = splitter.push(bigEndianSection());
    expect(got).toHaveLength(1);
    expect(got[0]?.type).toBe(BlockType.SectionHeader);
  });

  it("refuses a stream that does not start with a section, or a wrong magic", () => {
    expect(() => new PcapngBlockSplitter().push(packetBlock(4, 1))).toThrow(
      expect.objectContaining({ code: "NOT_PCAPNG" }),
    );
    const wrongMagic = sectionHeaderBlock();
    wrongMagic[8] = 0;
    expect(() => new PcapngBlockSplitter().push(wrongMagic)).toThrow(PcapngFormatError);
  });

  it("refuses a length that is too short, unaligned, too long, or unlike the trailing one", () => {
    for (const length of [8, 30, MAX_STREAMED_BLOCK_LENGTH + 4]) {
      const splitter = new PcapngBlockSplitter();
      splitter.push(sectionHeaderBlock());
      const bad = packetBlock(4, 1);
      new DataView(bad.buffer).setUint32(4, length, true);
      expect(() => splitter.push(bad)).toThrow(expect.objectContaining({ code: "BAD_BLOCK" }));
    }
    const splitter = new PcapngBlockSplitter();
    splitter.push(sectionHeaderBlock());
    const bad = packetBlock(4, 1);
    new DataView(bad.buffer).setUint32(bad.length - 4, 12, true);
    expect(() => splitter.push(bad)).toThrow(expect.objectContaining({ code: "BAD_BLOCK" }));
  });
});
