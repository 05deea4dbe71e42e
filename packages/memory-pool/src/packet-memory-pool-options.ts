import { booleanOption, checkOptionNames, integerOption, OptionError } from "@magma/transport";

/** How a {@link PacketMemoryPool} carves its memory. Every field is optional. */
export interface PacketMemoryPoolOptions {
  /** Bytes per small slot; a multiple of 8 from 8 to 65536. Default 2048: a 1500-byte MTU plus headroom. */
  slotSize?: number | undefined;
  /** Small slots per slab. Default 512. A slab may hold at most 1 GiB. */
  slotsPerSlab?: number | undefined;
  /** Slabs of small slots, 1 to 1024. Default 4, so 2048 small slots by default. */
  slabCount?: number | undefined;
  /** Slots of 65536 bytes for packets up to 65535 bytes, in a slab of their own. Default 8; 0 to 16384. */
  largeSlotCount?: number | undefined;
  /**
   * Slabs on `SharedArrayBuffer`s instead of `ArrayBuffer`s, so worker threads can read and write
   * the slots without a copy (a port's `workers`). Default false.
   */
  shared?: boolean | undefined;
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
  readonly shared: boolean;
}

const WHERE = "new PacketMemoryPool";
const OPTION_NAMES: readonly (keyof PacketMemoryPoolOptions)[] = [
  "slotSize",
  "slotsPerSlab",
  "slabCount",
  "largeSlotCount",
  "shared",
];

function slotSizeOption(value: unknown): number {
  if (value === undefined) return 2048;
  if (
    typeof value === "number" &&
    Number.isInteger(value) &&
    value >= 8 &&
    value <= LARGE_SLOT_SIZE &&
    value % 8 === 0
  ) {
    return value;
  }
  throw new OptionError(
    "INVALID_OPTION",
    WHERE,
    "slotSize",
    value,
    `a multiple of 8 from 8 to ${LARGE_SLOT_SIZE}`,
    "slots are 8-byte aligned so native code can read them with wide loads; 2048 holds a 1500-byte MTU",
  );
}

/**
 * Applies the defaults and checks every option, so a pool is never half-built: a value of the
 * wrong type or out of range, an unknown option name or options that are not an object throw
 * `OptionError` from `@magma/transport`, naming the option, the value and what is allowed.
 */
export function resolvePoolLayout(options?: PacketMemoryPoolOptions): PoolLayout {
  checkOptionNames(WHERE, options, OPTION_NAMES);
  const given: PacketMemoryPoolOptions = options ?? {};
  const slotSize = slotSizeOption(given.slotSize);
  const slotsPerSlab = integerOption(
    WHERE,
    "slotsPerSlab",
    given.slotsPerSlab,
    512,
    1,
    Math.floor(MAX_SLAB_BYTES / slotSize),
  );
  const slabCount = integerOption(WHERE, "slabCount", given.slabCount, 4, 1, 1024);
  const largeSlotCount = integerOption(
    WHERE,
    "largeSlotCount",
    given.largeSlotCount,
    8,
    0,
    MAX_SLAB_BYTES / LARGE_SLOT_SIZE,
  );
  const shared = booleanOption(WHERE, "shared", given.shared, false);
  return { slotSize, slotsPerSlab, slabCount, largeSlotCount, shared };
}
