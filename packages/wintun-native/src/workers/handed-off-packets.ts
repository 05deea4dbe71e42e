import { PacketPoolError } from "@magma/memory-pool";
import { PortError } from "../port/port-error.js";
import type { ReceivedPacket } from "../port/win-tun-transport-receiver.js";
import type { SharedSlotQueue } from "./shared-slot-queue.js";

/**
 * A packet of the port's pool, handed to this worker: a view of the slot in shared memory, and
 * `dispose()` gives the slot back to the session's receive thread through the returns queue.
 */
export class HandedOffPacket implements ReceivedPacket {
  readonly memory: Uint8Array;
  length = 0;
  isRented = false;
  readonly #id: number;
  readonly #owner: HandedOffPackets;

  constructor(owner: HandedOffPackets, id: number, memory: Uint8Array) {
    this.#owner = owner;
    this.#id = id;
    this.memory = memory;
  }

  dispose(): void {
    if (!this.isRented) {
      // As a pool's own packet says it: a receiver runs the same on a worker as on the port.
      throw new PacketPoolError(
        "ALREADY_DISPOSED",
        `cannot dispose packet slot ${this.#id}: it was already disposed`,
        { hint: "an owner is yours from rent to dispose only; do not keep it after dispose()" },
      );
    }
    this.isRented = false;
    this.#owner.giveBack(this.#id);
  }
}

/**
 * The worker's side of the port's pool: one `HandedOffPacket` per slot, made once, and the queue
 * that returns slots. Returns are published once per batch, or on a microtask for packets the
 * receiver disposes later (a TCP endpoint keeps segments); the receive thread takes them when it
 * needs slots.
 */
export class HandedOffPackets {
  readonly #packets: HandedOffPacket[] = [];
  readonly #returns: SharedSlotQueue;
  #inBatch = false;
  #publishScheduled = false;
  readonly #publishOnMicrotask = (): void => {
    this.#publishScheduled = false;
    if (!this.#inBatch) this.publish();
  };

  constructor(
    slabs: readonly SharedArrayBuffer[],
    slotTable: Int32Array,
    returns: SharedSlotQueue,
  ) {
    this.#returns = returns;
    for (let id = 0; id < slotTable.length / 3; id++) {
      const slab = slabs[slotTable[3 * id] as number] as SharedArrayBuffer;
      const memory = new Uint8Array(slab, slotTable[3 * id + 1], slotTable[3 * id + 2]);
      this.#packets.push(new HandedOffPacket(this, id, memory));
    }
  }

  /** The packet for slot `id`, now owned by this worker, `length` bytes long. */
  receive(id: number, length: number): HandedOffPacket {
    const packet = this.#packets[id];
    if (packet === undefined || packet.isRented) {
      throw new PortError(
        "WORKER_FAILED",
        `the port handed over slot ${id}, which this worker already holds or does not know`,
      );
    }
    packet.isRented = true;
    packet.length = length;
    return packet;
  }

  /** @internal */
  giveBack(id: number): void {
    // The queue has room for every slot of the pool and a slot is in it at most once, so a full
    // queue means a slot came back twice: a bug to report, never a slot to lose quietly.
    if (!this.#returns.push(id)) {
      throw new PortError("WORKER_FAILED", `slot ${id} was returned to the port twice`);
    }
    if (!this.#inBatch && !this.#publishScheduled) {
      this.#publishScheduled = true;
      queueMicrotask(this.#publishOnMicrotask);
    }
  }

  beginBatch(): void {
    this.#inBatch = true;
  }

  endBatch(): void {
    this.#inBatch = false;
    this.publish();
  }

  /** Makes the returned slots visible to the receive thread. */
  publish(): void {
    this.#returns.publish();
  }
}
