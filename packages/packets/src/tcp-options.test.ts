import { describe, expect, it } from "vitest";
import { OptionCursor } from "./option-cursor.js";
import { TcpView } from "./tcp.js";
import { readTcpOptions, TcpOptions, tcpOptionsLength, writeTcpOptions } from "./tcp-options.js";
import { hexToBytes } from "./test-support/reference-checksum.js";

function read(hex: string): { ok: boolean; options: TcpOptions } {
  const bytes = hexToBytes(hex);
  const options = new TcpOptions();
  return { ok: readTcpOptions(bytes, 0, bytes.length, options), options };
}

describe("TCP options", () => {
  it("decodes a Linux SYN: MSS, SACK-permitted, timestamps, NOP, window scale", () => {
    const { ok, options } = read("0204 05b4 0402 080a 0012 d687 0000 0000 0103 0307");
    expect(ok).toBe(true);
    expect(options.maximumSegmentSize).toBe(1460);
    expect(options.sackPermitted).toBe(true);
    expect(options.timestampValue).toBe(0x0012d687);
    expect(options.timestampEchoReply).toBe(0);
    expect(options.windowScale).toBe(7);
    expect(options.sackBlockCount).toBe(0);
  });

  it("decodes SACK blocks after NOP padding and stops at end-of-list", () => {
    const { ok, options } = read(
      "0101 0512 ffff fff0 0000 0010 0000 0020 0000 0030 0000 0204 05b4",
    );
    expect(ok).toBe(true);
    expect(options.sackBlockCount).toBe(2);
    expect(Array.from(options.sackBlocks.subarray(0, 4))).toEqual([0xfffffff0, 0x10, 0x20, 0x30]);
    expect(options.maximumSegmentSize).toBeUndefined(); // after end-of-list
  });

  it("skips unknown options by their length", () => {
    const { ok, options } = read("fe05 0102 0301 0303 02");
    expect(ok).toBe(true);
    expect(options.unknownCount).toBe(1);
    expect(options.windowScale).toBe(2);
  });

  it("reports bad lengths: zero, one, past the end, wrong for the kind", () => {
    for (const hex of [
      "fe00",
      "fe01",
      "fe08 0000",
      "0203 05",
      "0205 05b4 00",
      "0303",
      "0403 00",
      "0506 0000 0000",
      "080b 0000 0000 0000 0000 00",
      "02",
    ]) {
      const { ok, options } = read(hex);
      expect(ok, hex).toBe(false);
      expect(options.status, hex).toBe("bad-length");
    }
  });

  it("is reused across segments without leftovers from the previous one", () => {
    const options = new TcpOptions();
    const first = hexToBytes("0204 05b4 0303 07");
    readTcpOptions(first, 0, first.length, options);
    const second = hexToBytes("0101 0402");
    expect(readTcpOptions(second, 0, second.length, options)).toBe(true);
    expect(options.maximumSegmentSize).toBeUndefined();
    expect(options.windowScale).toBeUndefined();
    expect(options.sackPermitted).toBe(true);
  });

  it("writes every option 4-byte aligned, as Linux lays them out", () => {
    const fields = {
      maximumSegmentSize: 1460,
      sackPermitted: true,
      timestamp: { value: 1, echoReply: 2 },
      windowScale: 7,
    };
    const bytes = new Uint8Array(40);
    const length = writeTcpOptions(bytes, 0, fields);
    expect(length).toBe(tcpOptionsLength(fields));
    expect(Buffer.from(bytes.subarray(0, length)).toString("hex")).toBe(
      "020405b40402080a000000010000000201030307",
    );
  });

  it("reads options through a TcpView and refuses bad data offsets", () => {
    const segment = hexToBytes("0050 1f90 0000 0001 0000 0000 6002 ffff 0000 0000 0204 05b4");
    const view = new TcpView();
    expect(view.wrap(segment)).toBe(true);
    expect(view.syn).toBe(true);
    expect(view.ack).toBe(false);
    expect(view.headerLength).toBe(24);
    expect(view.payloadLength).toBe(0);
    const options = new TcpOptions();
    expect(view.readOptions(options)).toBe(true);
    expect(options.maximumSegmentSize).toBe(1460);
    segment[12] = 0x70;
    expect(view.wrap(segment)).toBe(false);
    expect(view.status).toBe("bad-data-offset");
    segment[12] = 0x40;
    expect(view.wrap(segment)).toBe(false);
    expect(view.wrap(segment.subarray(0, 19))).toBe(false);
    expect(view.status).toBe("truncated");
  });

  it("refuses an option range outside the array instead of reading past it", () => {
    const bytes = hexToBytes("0204 05b4 0101 0402");
    const options = new TcpOptions();
    expect(() => readTcpOptions(bytes, -1, 8, options)).toThrow(
      new RangeError("readTcpOptions: start must be an integer from 0 to 8, got -1"),
    );
    expect(() => readTcpOptions(bytes, Number.NaN, 8, options)).toThrow(
      new RangeError("readTcpOptions: start must be an integer from 0 to 8, got NaN"),
    );
    expect(() => readTcpOptions(bytes, 0, 9, options)).toThrow(
      new RangeError("readTcpOptions: end must be an integer from 0 to 8, got 9"),
    );
    expect(() => readTcpOptions(bytes, 4, 2, options)).toThrow(
      new RangeError("readTcpOptions: end must be an integer from 4 to 8, got 2"),
    );
    expect(() => readTcpOptions(bytes, 0, 7.5, options)).toThrow(
      new RangeError("readTcpOptions: end must be an integer from 0 to 8, got 7.5"),
    );
    // A NaN start used to walk forever, reporting the same undefined option each time.
    const cursor = new OptionCursor();
    expect(() => cursor.reset(bytes, Number.NaN, 8)).toThrow(
      new RangeError("OptionCursor.reset: start must be an integer from 0 to 8, got NaN"),
    );
    expect(() => cursor.reset(bytes, 0, 20)).toThrow(
      new RangeError("OptionCursor.reset: end must be an integer from 0 to 8, got 20"),
    );
    expect(readTcpOptions(bytes, 8, 8, options)).toBe(true);
  });

  it("refuses to write options where they do not fit", () => {
    const fields = { maximumSegmentSize: 1460, windowScale: 7 };
    const bytes = new Uint8Array(10);
    expect(writeTcpOptions(bytes, 2, fields)).toBe(8);
    for (const offset of [-1, 0.5, Number.NaN, 3]) {
      expect(() => writeTcpOptions(bytes, offset, fields)).toThrow(
        new RangeError(`writeTcpOptions: offset must be an integer from 0 to 2, got ${offset}`),
      );
    }
  });
});
