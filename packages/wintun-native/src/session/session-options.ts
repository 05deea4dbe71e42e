import { PacketMemoryPool } from "@magma/memory-pool";
import { checkOptionNames, integerOption, OptionError } from "@magma/transport";
import { DEFAULT_RING_CAPACITY, validateRingCapacity } from "./ring-capacity.js";

export interface WinTunSessionOptions {
  /** Ring capacity per direction: a power of two from 0x20000 to 0x4000000. Default 4 MiB. */
  readonly capacity?: number;
  /** Where received packets are placed and sent packets come from. Default: a new PacketMemoryPool(). */
  readonly pool?: PacketMemoryPool;
  /** Small slots kept ready for the receive thread. Default: 256, at most half the pool's small slots. */
  readonly receiveSlots?: number;
  /** Large (64 KiB) slots kept ready for packets bigger than a small slot. Default 2, at most half. */
  readonly receiveLargeSlots?: number;
  /** Most packets per crossing into JavaScript, 1 to 4096. Default 128. */
  readonly maxBatch?: number;
  /** Batches that may wait for JavaScript at once before the thread waits, 1 to 64. Default 4. */
  readonly batchesInFlight?: number;
  /**
   * After a busy drain the receive thread (or the JavaScript thread holding the ring) polls the
   * ring this long before it sleeps on the read event, saving a wake-up when packets follow
   * closely. Idle sessions never spin. Default 100, about as long as wintun's own driver spins
   * (0 on a port with workers); 0 always sleeps.
   */
  readonly spinMicroseconds?: number;
  /**
   * While a batch handler is set, each batch the receive thread delivers brings the ring with it:
   * the JavaScript thread goes on receiving straight from the ring, batch after batch (still one
   * crossing per batch), until it is empty, and only then hands it back. Every this many
   * microseconds it lets the event loop turn (timers, I/O) and goes on after. Under load this saves
   * the wake-up between threads per batch; when idle it changes nothing. Default 1000; 0 leaves
   * all receiving to the receive thread.
   */
  readonly inlineReceiveMicroseconds?: number;
}

/** Every option of `WinTunSessionOptions`, for the unknown-option check. */
export const SESSION_OPTION_NAMES: readonly (keyof WinTunSessionOptions)[] = [
  "capacity",
  "pool",
  "receiveSlots",
  "receiveLargeSlots",
  "maxBatch",
  "batchesInFlight",
  "spinMicroseconds",
  "inlineReceiveMicroseconds",
];

/** The options with their defaults applied, each checked. */
export interface ResolvedSessionOptions {
  readonly capacity: number;
  readonly pool: PacketMemoryPool;
  readonly receiveSlots: number;
  readonly receiveLargeSlots: number;
  readonly maxBatch: number;
  readonly batchesInFlight: number;
  readonly spinMicroseconds: number;
  readonly inlineReceiveMicroseconds: number;
}

/**
 * Checks every option before anything is created: an unknown name, a wrong type or a value out
 * of range throws `OptionError` naming it as `nameOf` says (`WinTunPort.create` takes some of
 * them as "session.maxBatch"). The capacity keeps the driver's own error, ERROR_INVALID_PARAMETER,
 * which it would return for the same value.
 */
export function resolveSessionOptions(
  where: string,
  options: WinTunSessionOptions | undefined,
  nameOf: (option: keyof WinTunSessionOptions) => string = (option) => option,
): ResolvedSessionOptions {
  checkOptionNames(where, options, SESSION_OPTION_NAMES);
  const given = options ?? {};
  const capacity = validateRingCapacity(given.capacity ?? DEFAULT_RING_CAPACITY);
  if (given.pool !== undefined && !(given.pool instanceof PacketMemoryPool)) {
    throw new OptionError(
      "INVALID_OPTION",
      where,
      nameOf("pool"),
      given.pool,
      "a PacketMemoryPool",
    );
  }
  const pool = given.pool ?? new PacketMemoryPool();
  const smallSlots = pool.stats.small.capacity;
  const largeSlots = pool.stats.large.capacity;
  const option = (name: keyof WinTunSessionOptions, fallback: number, min: number, max: number) =>
    integerOption(where, nameOf(name), given[name], fallback, min, max);
  return {
    capacity,
    pool,
    receiveSlots: option("receiveSlots", Math.min(256, Math.floor(smallSlots / 2)), 0, smallSlots),
    receiveLargeSlots: option(
      "receiveLargeSlots",
      Math.min(2, Math.ceil(largeSlots / 2)),
      0,
      largeSlots,
    ),
    maxBatch: option("maxBatch", 128, 1, 4096),
    batchesInFlight: option("batchesInFlight", 4, 1, 64),
    spinMicroseconds: option("spinMicroseconds", 100, 0, 1_000_000),
    inlineReceiveMicroseconds: option("inlineReceiveMicroseconds", 1000, 0, 1_000_000),
  };
}
