import { describeValue, type PacketOwner } from "@magma/transport";
import type { PacketMemoryPool } from "./packet-memory-pool.js";
import { PacketPoolError } from "./packet-pool-error.js";
import type { SlotSizeClass } from "./slot-size-class.js";

const NEVER_RENTED = 0;
const RENTED = 1;
const RETURNED = 2;

let lendSlot: (owner: PooledPacket, length: number) => void;

/**
 * One slot of a {@link PacketMemoryPool} and, while rented, the duty to give it back.
 *
 * The pool creates one `PooledPacket` per slot when it is built and hands the same object out on
 * every rent of that slot, so renting allocates nothing. That is also why a reference must not be
 * kept after `dispose()`: the object will soon stand for someone else's packet.
 *
 * Native code finds the slot's bytes at `pool.slabs[slabIndex]`, offset `byteOffset`, `capacity`
 * bytes long; the same bytes `memory` views.
 */
export class PooledPacket implements PacketOwner {
  /** The pool this slot belongs to. */
  readonly pool: PacketMemoryPool;
  /** The slot's id, unique across the pool's size classes: `0 .. pool.slotCount - 1`. */
  readonly id: number;
  /** Which of `pool.slabs` holds the slot. */
  readonly slabIndex: number;
  /** Where the slot starts inside its slab, in bytes. */
  readonly byteOffset: number;
  /** The slot's size in bytes: the most `length` can be. */
  readonly capacity: number;

  readonly #memory: Uint8Array;
  readonly #sizeClass: SlotSizeClass;
  #state = NEVER_RENTED;
  #length = 0;

  static {
    lendSlot = (owner, length) => {
      owner.#state = RENTED;
      owner.#length = length;
    };
  }

  /** Pools build their slots; there is no reason to call this elsewhere. */
  constructor(
    pool: PacketMemoryPool,
    sizeClass: SlotSizeClass,
    id: number,
    slabIndex: number,
    byteOffset: number,
    capacity: number,
  ) {
    const slab = pool.slabs[slabIndex];
    if (
      slab === undefined ||
      !Number.isInteger(byteOffset) ||
      !Number.isInteger(capacity) ||
      byteOffset < 0 ||
      capacity < 0 ||
      byteOffset + capacity > slab.byteLength
    ) {
      throw new PacketPoolError(
        "INVALID_ARGUMENT",
        `new PooledPacket: slot ${describeValue(id)} of ${describeValue(capacity)} bytes does not fit slab ${describeValue(slabIndex)} at offset ${describeValue(byteOffset)}`,
      );
    }
    this.pool = pool;
    this.id = id;
    this.slabIndex = slabIndex;
    this.byteOffset = byteOffset;
    this.capacity = capacity;
    this.#sizeClass = sizeClass;
    this.#memory = new Uint8Array(slab, byteOffset, capacity);
  }

  /**
   * A view of the whole slot (`capacity` bytes; the packet is the first `length`). Created once
   * with the slot. Reading it while the slot is not rented throws, to catch use after dispose.
   */
  get memory(): Uint8Array {
    if (this.#state !== RENTED) this.#throwNotRented("read memory of");
    return this.#memory;
  }

  /** The packet's length in bytes, `0 .. capacity`. Reads 0 while the slot is not rented. */
  get length(): number {
    return this.#length;
  }

  set length(value: number) {
    if (this.#state !== RENTED) this.#throwNotRented("set length of");
    if (!Number.isInteger(value) || value < 0 || value > this.capacity) {
      throw new PacketPoolError(
        "INVALID_LENGTH",
        `PooledPacket.length must be an integer from 0 to ${this.capacity} (the capacity of slot ${this.id}), got ${describeValue(value)}`,
        { hint: "rent with tryRent(size) to get a slot large enough" },
      );
    }
    this.#length = value;
  }

  /** Whether the slot is rented now. */
  get isRented(): boolean {
    return this.#state === RENTED;
  }

  /** Returns the slot to its pool. A second call throws `PacketPoolError` "ALREADY_DISPOSED". */
  dispose(): void {
    if (this.#state !== RENTED) this.#throwNotRented("dispose");
    this.#state = RETURNED;
    this.#length = 0;
    this.#sizeClass.release(this.id);
  }

  #throwNotRented(action: string): never {
    if (this.#state === RETURNED) {
      throw new PacketPoolError(
        "ALREADY_DISPOSED",
        `cannot ${action} packet slot ${this.id}: it was already disposed`,
        { hint: "an owner is yours from rent to dispose only; do not keep it after dispose()" },
      );
    }
    throw new PacketPoolError(
      "NOT_RENTED",
      `cannot ${action} packet slot ${this.id}: it is not rented`,
      { hint: "rent it first with pool.tryRent() or pool.rentInto()" },
    );
  }
}

/** Marks a slot rented with the given packet length. For the pool's size classes only. */
export function lend(owner: PooledPacket, length: number): void {
  lendSlot(owner, length);
}
