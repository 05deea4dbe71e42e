import type { PacketMemoryPool, PooledPacket } from "@magma/memory-pool";
import type { NativeSessionSender } from "../native-addon.js";
import type { PooledPacketSink } from "../port/session-transmitter.js";
import { writeSlotPairs } from "../session/slot-table.js";

/**
 * A worker's way into the session's send ring: the worker's transmitter hands it each batch, and
 * one native call copies the batch from the worker's own pool into the ring, from this thread.
 */
export class WorkerSendSink implements PooledPacketSink {
  readonly pool: PacketMemoryPool;
  /** Packets and bytes that reached the ring; packets it refused (full, or the session ending). */
  sentPackets = 0;
  sentBytes = 0;
  refused = 0;
  #closed = false;
  readonly #sender: NativeSessionSender;
  #pairs = new Int32Array(512);

  constructor(pool: PacketMemoryPool, sender: NativeSessionSender) {
    this.pool = pool;
    this.#sender = sender;
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  sendPooled(packets: readonly PooledPacket[], count: number): number {
    this.#pairs = writeSlotPairs(packets, count, this.pool, this.#pairs);
    const sent = this.#sender.sendSlots(this.#pairs, count);
    if (sent < 0) {
      // The session ended: the transmitter counts this batch and every later one.
      this.#closed = true;
      return 0;
    }
    for (let i = 0; i < sent; i++) this.sentBytes += (packets[i] as PooledPacket).length;
    this.sentPackets += sent;
    this.refused += count - sent;
    return sent;
  }

  close(): void {
    this.#closed = true;
    this.#sender.close();
  }
}
