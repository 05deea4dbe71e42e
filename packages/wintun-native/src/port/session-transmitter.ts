import type { PacketMemoryPool, PooledPacket } from "@magma/memory-pool";
import { PacketDirection } from "@magma/pcapng";
import {
  checkMinLength,
  checkOptionNames,
  type IPacketTransmitter,
  integerOption,
  RandomSequenceNumberSource,
} from "@magma/transport";
import type { PacketCapture } from "./packet-capture.js";
import { PortError } from "./port-error.js";

/**
 * The longest IP packet: IPv4's Total Length and IPv6's Payload Length are 16-bit fields (RFC 791
 * 3.1, RFC 8200 3; jumbograms aside), and wintun's ring takes no longer one
 * (WINTUN_MAX_IP_PACKET_SIZE).
 */
const MAX_IP_PACKET_SIZE = 0xffff;

/** A transmitter's own options, beside its sink. */
export interface SessionTransmitterOptions {
  /**
   * The longest packet the adapter behind the sink takes, 1 to 65535: a TAP adapter takes at most
   * its MTU, wintun 65535. Default 65535. The transmitter lends and sends nothing longer.
   */
  readonly maxPacketLength?: number;
}

const WHERE = "new SessionTransmitter";
const OPTION_NAMES: readonly (keyof SessionTransmitterOptions)[] = ["maxPacketLength"];

/** Drops counted by the transmitter, beside the session's own (send ring full, ...). */
export interface TransmitterDrops {
  /** `tryGetNextBuffer()` (or one for at most `pool.slotSize` bytes) found no free small slot. */
  txPoolExhausted: number;
  /** `tryGetNextBuffer(minLength)` for more than `pool.slotSize` bytes found no free large slot. */
  txLargePoolExhausted: number;
  /** Packets handed to `sendBuffer` after the session ended. */
  txSessionEnded: number;
}

/**
 * Where a transmitter's packets go: a session (`WinTunSession`, over wintun or TAP), or a port
 * worker's way into the session's send ring. Packets come from `pool`.
 */
export interface PooledPacketSink {
  readonly pool: PacketMemoryPool;
  readonly isClosed: boolean;
  /** Sends `packets[0 .. count)` in order, in one crossing; returns how many the ring took. */
  sendPooled(packets: readonly PooledPacket[], count: number): number;
}

/**
 * Magma's `IPacketTransmitter` over a session, the one transmitter every backend shares (wintun's
 * `WinTunTransmitter`, TAP's). `tryGetNextBuffer()` lends a small pool slot,
 * `tryGetNextBuffer(minLength)` a large (64 KiB) one when `minLength` exceeds the small slot size;
 * `sendBuffer()` queues the packet written there, and queued packets go to the send ring in one
 * native call: at the end of each received batch (the pump calls `flush()`), or on a microtask
 * for packets sent outside a batch. Nothing is allocated per packet: slots are found from the
 * buffer's slab and offset, the views lent are made with the transmitter, and the queue is a
 * preallocated array.
 */
export class SessionTransmitter implements IPacketTransmitter {
  readonly pool: PacketMemoryPool;
  /**
   * 65535 (wintun's limit) when the pool has large slots; otherwise the small slot size, as no
   * longer buffer can ever be lent; and never more than the `maxPacketLength` option.
   */
  readonly maxPacketLength: number;
  readonly drops: TransmitterDrops = {
    txPoolExhausted: 0,
    txLargePoolExhausted: 0,
    txSessionEnded: 0,
  };
  /** @internal Set by the port while a capture runs; checked once per flush. */
  capture: PacketCapture | undefined;
  readonly #session: PooledPacketSink;
  readonly #sequenceNumbers = new RandomSequenceNumberSource();
  readonly #slabIndexOf = new Map<ArrayBufferLike, number>();
  /** Per slab: the id of its first slot and its slot size (slots in a slab are uniform). */
  readonly #firstSlotOfSlab: number[] = [];
  readonly #slotSizeOfSlab: number[] = [];
  /**
   * Per slot: the view lent for it, the slot cut to `maxPacketLength` bytes (a large slot has one
   * byte more than the ring takes), so `sendBuffer(buffer)` with its default length always fits.
   */
  readonly #lendable: Uint8Array[] = [];
  /** 1 while a slot is lent out by this transmitter and not yet sent or discarded. */
  readonly #lent: Uint8Array;
  readonly #queue: PooledPacket[];
  #queued = 0;
  #batchDepth = 0;
  #flushScheduled = false;
  #closed = false;
  readonly #flushOnMicrotask = (): void => {
    this.#flushScheduled = false;
    if (this.#batchDepth === 0) this.flush();
  };

  /** Throws `OptionError` for an unknown option or a `maxPacketLength` outside 1 to 65535. */
  constructor(session: PooledPacketSink, options?: SessionTransmitterOptions) {
    checkOptionNames(WHERE, options, OPTION_NAMES);
    const cap = integerOption(
      WHERE,
      "maxPacketLength",
      options?.maxPacketLength,
      MAX_IP_PACKET_SIZE,
      1,
      MAX_IP_PACKET_SIZE,
    );
    this.#session = session;
    this.pool = session.pool;
    const pool = session.pool;
    this.maxPacketLength = Math.min(
      cap,
      pool.stats.large.capacity > 0 ? pool.largeSlotSize : pool.slotSize,
    );
    for (const [index, slab] of pool.slabs.entries()) this.#slabIndexOf.set(slab, index);
    for (let id = 0; id < pool.slotCount; id++) {
      const slot = pool.slot(id);
      if (this.#firstSlotOfSlab[slot.slabIndex] === undefined) {
        this.#firstSlotOfSlab[slot.slabIndex] = id;
        this.#slotSizeOfSlab[slot.slabIndex] = slot.capacity;
      }
      const length = Math.min(slot.capacity, this.maxPacketLength);
      this.#lendable.push(new Uint8Array(pool.slabs[slot.slabIndex]!, slot.byteOffset, length));
    }
    this.#lent = new Uint8Array(pool.slotCount);
    this.#queue = new Array<PooledPacket>(pool.slotCount);
  }

  /**
   * A small slot's memory (`pool.slotSize` bytes, or `maxPacketLength` when that is less) when
   * `minLength` is omitted or fits one, else a large slot's (`maxPacketLength` bytes); `undefined` when that size class is exhausted (counted
   * as `txPoolExhausted` or `txLargePoolExhausted`) or the port is closed. Throws
   * `PacketLengthError` for a `minLength` that is not an integer from 0 to `maxPacketLength`.
   */
  tryGetNextBuffer(minLength?: number): Uint8Array | undefined {
    if (minLength !== undefined) checkMinLength(minLength, this.maxPacketLength);
    const large = minLength !== undefined && minLength > this.pool.slotSize;
    if (this.#closed) return undefined;
    const packet = this.pool.tryRent(large ? minLength : undefined);
    if (packet === undefined) {
      if (large) this.drops.txLargePoolExhausted++;
      else this.drops.txPoolExhausted++;
      return undefined;
    }
    this.#lent[packet.id] = 1;
    return this.#lendable[packet.id];
  }

  sendBuffer(buffer: Uint8Array, length?: number): void {
    const packet = this.#takeLent(buffer, "sendBuffer");
    length ??= buffer.length;
    const limit = Math.min(buffer.length, (this.#lendable[packet.id] as Uint8Array).length);
    if (!Number.isInteger(length) || length < 1 || length > limit) {
      this.#lent[packet.id] = 1;
      throw new PortError(
        "INVALID_LENGTH",
        `sendBuffer: length ${length} does not fit the buffer`,
        { hint: `send 1 to ${limit} bytes` },
      );
    }
    if (this.#closed) {
      this.drops.txSessionEnded++;
      packet.dispose();
      return;
    }
    packet.length = length;
    this.#queue[this.#queued++] = packet;
    if (this.#queued === this.#queue.length) {
      this.flush();
    } else if (this.#batchDepth === 0 && !this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushOnMicrotask);
    }
  }

  discardBuffer(buffer: Uint8Array): void {
    this.#takeLent(buffer, "discardBuffer").dispose();
  }

  randomSequenceNumber(): number {
    return this.#sequenceNumbers.next();
  }

  /** Packets queued by `sendBuffer` and not yet handed to the ring. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Hands every queued packet to the send ring in one native call and returns their slots to the
   * pool. Packets the ring refuses are counted by the session (send ring full), never thrown.
   */
  flush(): number {
    const count = this.#queued;
    if (count === 0) return 0;
    this.#queued = 0;
    const sent = this.#session.isClosed ? 0 : this.#session.sendPooled(this.#queue, count);
    if (this.#session.isClosed) this.drops.txSessionEnded += count;
    // The ring takes a prefix of the batch (it stops at the first packet that does not fit), so
    // the first `sent` packets are exactly those that left, and their slots are still ours.
    if (this.capture !== undefined && sent > 0) {
      this.capture.record(this.#queue, sent, PacketDirection.Outbound);
    }
    for (let i = 0; i < count; i++) {
      (this.#queue[i] as PooledPacket).dispose();
    }
    return sent;
  }

  /** @internal The pump brackets each received batch so replies leave in one crossing. */
  beginBatch(): void {
    this.#batchDepth++;
  }

  /** @internal */
  endBatch(): void {
    this.#batchDepth--;
    if (this.#batchDepth === 0) this.flush();
  }

  /** @internal Sends what is queued, then lends nothing more; later sends count as drops. */
  close(): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
  }

  #takeLent(buffer: Uint8Array, call: string): PooledPacket {
    const slab = buffer instanceof Uint8Array ? this.#slabIndexOf.get(buffer.buffer) : undefined;
    const first = slab === undefined ? undefined : this.#firstSlotOfSlab[slab];
    const size = slab === undefined ? undefined : this.#slotSizeOfSlab[slab];
    const id =
      first === undefined || size === undefined ? -1 : first + Math.floor(buffer.byteOffset / size);
    const packet = id >= 0 && id < this.#lent.length ? this.pool.slot(id) : undefined;
    if (packet === undefined || this.#lent[id] !== 1 || packet.byteOffset !== buffer.byteOffset) {
      throw new PortError("NOT_LENT", `${call}: this buffer was not lent by this transmitter`, {
        hint: "pass the buffer tryGetNextBuffer() returned (or a prefix view of it), once",
      });
    }
    this.#lent[id] = 0;
    return packet;
  }
}
