import { checkMinLength, type IPacketTransmitter, type PacketOwner } from "@magma/transport";

/**
 * An `IPacketTransmitter` over plain Uint8Arrays: a fixed set of buffers to lend, and a copy of
 * every packet sent. It throws on any misuse of a buffer, so a test sees the receiver break the
 * ownership rules.
 */
export class ArrayTransmitter implements IPacketTransmitter {
  /** Every buffer has this size, so it is also the largest packet. */
  readonly maxPacketLength: number;
  readonly sent: Uint8Array[] = [];
  discarded = 0;
  readonly #free: Uint8Array[];
  readonly #lent = new Set<Uint8Array>();

  constructor(buffers = 4, bufferSize = 2048) {
    this.maxPacketLength = bufferSize;
    this.#free = Array.from({ length: buffers }, () => new Uint8Array(bufferSize));
  }

  get lentCount(): number {
    return this.#lent.size;
  }

  tryGetNextBuffer(minLength?: number): Uint8Array | undefined {
    if (minLength !== undefined) checkMinLength(minLength, this.maxPacketLength);
    const buffer = this.#free.pop();
    if (buffer !== undefined) this.#lent.add(buffer);
    return buffer;
  }

  sendBuffer(buffer: Uint8Array, length = buffer.length): void {
    const packet = buffer.slice(0, length);
    this.#giveBack(buffer);
    this.sent.push(packet);
  }

  discardBuffer(buffer: Uint8Array): void {
    this.#giveBack(buffer);
    this.discarded++;
  }

  randomSequenceNumber(): number {
    return 0x5eed;
  }

  #giveBack(buffer: Uint8Array): void {
    if (!this.#lent.delete(buffer)) throw new Error("this buffer was not lent, or was returned");
    buffer.fill(0xee); // a receiver that keeps using it would see garbage
    this.#free.push(buffer);
  }
}

/**
 * A received packet as a port would offer it: a copy at the start of a larger slot filled with
 * sentinel bytes. `length` may be given to make a lying owner (longer than its memory).
 */
export class TestPacket implements PacketOwner {
  readonly memory: Uint8Array;
  readonly length: number;
  disposals = 0;

  constructor(bytes: Uint8Array, length = bytes.length) {
    this.memory = new Uint8Array(Math.max(bytes.length, 2048)).fill(0xaa);
    this.memory.set(bytes);
    this.length = length;
  }

  dispose(): void {
    this.disposals++;
  }
}
