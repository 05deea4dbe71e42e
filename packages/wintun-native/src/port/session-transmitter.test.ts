import { PacketMemoryPool, type PooledPacket } from "@magma/memory-pool";
import { OptionError, PacketLengthError } from "@magma/transport";
import { describe, expect, it } from "vitest";
import { PortError } from "./port-error.js";
import { type PooledPacketSink, SessionTransmitter } from "./session-transmitter.js";
import { WinTunTransmitter } from "./win-tun-transmitter.js";

// The transmitter on its own, over a sink that takes every packet and keeps what it was sent.

interface RecordingSink extends PooledPacketSink {
  /** First byte and length of each packet sent, in order. */
  readonly sent: { first: number; length: number }[];
}

function recordingSink(pool: PacketMemoryPool): RecordingSink {
  const sent: { first: number; length: number }[] = [];
  return {
    pool,
    isClosed: false,
    sent,
    sendPooled(packets: readonly PooledPacket[], count: number): number {
      for (let i = 0; i < count; i++) {
        const packet = packets[i] as PooledPacket;
        sent.push({ first: packet.memory[0] as number, length: packet.length });
      }
      return count;
    },
  };
}

// 2048-byte small slots and 64 KiB large ones, as a port's pool has by default.
function smallPool(): PacketMemoryPool {
  return new PacketMemoryPool({ slotSize: 2048, slotsPerSlab: 8, slabCount: 1, largeSlotCount: 2 });
}

describe("SessionTransmitter maxPacketLength", () => {
  it("defaults to wintun's 65535 with large slots, and to the small slot size without", () => {
    expect(new SessionTransmitter(recordingSink(smallPool())).maxPacketLength).toBe(65535);
    const noLarge = new PacketMemoryPool({ slotSize: 2048, slotsPerSlab: 8, largeSlotCount: 0 });
    expect(new SessionTransmitter(recordingSink(noLarge)).maxPacketLength).toBe(2048);
    expect(new WinTunTransmitter(recordingSink(smallPool())).maxPacketLength).toBe(65535);
  });

  it("below the small slot size, lends and sends no longer packet than the cap", async () => {
    const sink = recordingSink(smallPool());
    const transmitter = new SessionTransmitter(sink, { maxPacketLength: 100 });
    expect(transmitter.maxPacketLength).toBe(100);

    const buffer = transmitter.tryGetNextBuffer() as Uint8Array;
    expect(buffer.length).toBe(100);
    expect((transmitter.tryGetNextBuffer(100) as Uint8Array).length).toBe(100);
    expect(() => transmitter.tryGetNextBuffer(101)).toThrow(
      expect.objectContaining({ name: "PacketLengthError", code: "PACKET_TOO_LARGE" }),
    );
    expect(() => transmitter.tryGetNextBuffer(101)).toThrow(PacketLengthError);

    // A longer view of the same slot does not get past the cap: the slot stays lent.
    const widened = new Uint8Array(buffer.buffer, buffer.byteOffset, 2048);
    expect(() => transmitter.sendBuffer(widened, 101)).toThrow(
      expect.objectContaining({ code: "INVALID_LENGTH" }),
    );
    expect(() => transmitter.sendBuffer(widened, 101)).toThrow(PortError);
    buffer.fill(7);
    transmitter.sendBuffer(buffer);
    await Promise.resolve();
    expect(sink.sent).toEqual([{ first: 7, length: 100 }]);
  });

  it("between the slot sizes, lends large slots cut to the cap", () => {
    const sink = recordingSink(smallPool());
    const transmitter = new SessionTransmitter(sink, { maxPacketLength: 1500 + 2048 });
    expect(transmitter.maxPacketLength).toBe(3548);
    expect((transmitter.tryGetNextBuffer() as Uint8Array).length).toBe(2048);
    const large = transmitter.tryGetNextBuffer(2049) as Uint8Array;
    expect(large.length).toBe(3548);
    expect(() => transmitter.tryGetNextBuffer(3549)).toThrow(PacketLengthError);
    transmitter.beginBatch();
    large.fill(9);
    transmitter.sendBuffer(large);
    transmitter.endBatch();
    expect(sink.sent).toEqual([{ first: 9, length: 3548 }]);
  });

  it.each([[0], [65536], [1.5], ["1500"], [null]])("refuses maxPacketLength %s", (value) => {
    const error = ((): unknown => {
      try {
        new SessionTransmitter(recordingSink(smallPool()), {
          maxPacketLength: value as number,
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(OptionError);
    expect(error).toMatchObject({
      code: "INVALID_OPTION",
      where: "new SessionTransmitter",
      option: "maxPacketLength",
      value,
      allowed: "an integer from 1 to 65535",
    });
  });

  it("refuses an unknown option", () => {
    expect(
      () =>
        new SessionTransmitter(recordingSink(smallPool()), {
          maxPacketLenght: 1500,
        } as unknown as { maxPacketLength: number }),
    ).toThrow(expect.objectContaining({ code: "UNKNOWN_OPTION", option: "maxPacketLenght" }));
  });
});
