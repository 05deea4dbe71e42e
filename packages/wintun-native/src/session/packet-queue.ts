import type { PooledPacket } from "@magma/memory-pool";

/**
 * Received packets waiting for `receive()`: a growable ring of references, so steady-state
 * queueing allocates nothing per packet.
 */
export class PacketQueue {
  #items: (PooledPacket | undefined)[] = new Array(256);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(packet: PooledPacket): void {
    if (this.#size === this.#items.length) this.#grow();
    this.#items[(this.#head + this.#size) % this.#items.length] = packet;
    this.#size++;
  }

  /** Removes and returns up to `max` packets, oldest first. */
  take(max: number): PooledPacket[] {
    const count = Math.min(max, this.#size);
    const taken = new Array<PooledPacket>(count);
    for (let i = 0; i < count; i++) {
      const index = (this.#head + i) % this.#items.length;
      taken[i] = this.#items[index] as PooledPacket;
      this.#items[index] = undefined;
    }
    this.#head = (this.#head + count) % this.#items.length;
    this.#size -= count;
    return taken;
  }

  #grow(): void {
    const grown = new Array<PooledPacket | undefined>(this.#items.length * 2);
    for (let i = 0; i < this.#size; i++)
      grown[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = grown;
    this.#head = 0;
  }
}
