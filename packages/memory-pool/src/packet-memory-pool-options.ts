import { PacketPoolError } from "./packet-pool-error.js";

/** How a {@link PacketMemoryPool} carves its memory. Every field is optional. */
export interface PacketMemoryPoolOptions {
  /** Bytes per small slot; a multiple of 8 from 8 to 65536. Default 2048: a 1500-byte MTU plus headroom. */
  slotSize?: number;
  /** Small slots per slab. Default 512. A slab may hold at most 1 GiB. */
  slotsPerSlab?: number;
  /** Slabs of small slots. Default 4, so 2048 small slots by default. */
  slabCount?: number;
  /** Slots of 65536 bytes for packets up to 65535 bytes, in a slab of their own. Default 8; 0 to 16384. */
  largeSlotCount?: number;
}

/** Bytes per large slot: room for the largest packet wintun carries (65535 bytes). */
export const LARGE_SLOT_SIZE = 65536;
/** The largest packet a pool can hold. */
export const MAX_PACKET_SIZE = 65535;
/** The most bytes one slab may hold, so slab offsets stay small integers everywhere. */
export const MAX_SLAB_BYTES = 2 ** 30;

export interface PoolLayout {
  readonly slotSize: number;
  readonly slotsPerSlab: number;
  readonly slabCount: number;
  readonly largeSlotCount: number;
}

function integerOption(
  name: keyof PacketMemoryPoolOptions,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new PacketPoolError(
      "INVALID_OPTIONS",
      `PacketMemoryPool option ${name} is ${String(value)}, not an integer from ${min} to ${max}`,
      { hint: `omit ${name} for the default, ${fallback}` },
    );
  }
  return value;
}

/** Applies the defaults and checks every option, so a pool is never half-built. */
export function resolvePoolLayout(options: PacketMemoryPoolOptions = {}): PoolLayout {
  const slotSize = integerOption("slotSize", options.slotSize, 2048, 8, LARGE_SLOT_SIZE);
  if (slotSize % 8 !== 0) {
    throw new PacketPoolError(
      "INVALID_OPTIONS",
      `PacketMemoryPool option slotSize is ${slotSize}, not a multiple of 8`,
      { hint: "slots are 8-byte aligned so native code can read them with wide loads; try 2048" },
    );
  }
  const slotsPerSlab = integerOption(
    "slotsPerSlab",
    options.slotsPerSlab,
    512,
    1,
    Math.floor(MAX_SLAB_BYTES / slotSize),
  );
  const slabCount = integerOption("slabCount", options.slabCount, 4, 1, 1024);
  const largeSlotCount = integerOption(
    "largeSlotCount",
    options.largeSlotCount,
    8,
    0,
    MAX_SLAB_BYTES / LARGE_SLOT_SIZE,
  );
  return { slotSize, slotsPerSlab, slabCount, largeSlotCount };
}
