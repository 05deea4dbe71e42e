import { describe, expect, expectTypeOf, it } from "vitest";
import type {
  IPacketReceiver,
  IPacketTransmitter,
  PacketOwner,
  PacketReceiverFactory,
} from "./index.js";

// A loopback transmitter over plain arrays, just enough to exercise the ownership rules.
class LoopbackTransmitter implements IPacketTransmitter {
  readonly sent: number[][] = [];
  readonly #free: Uint8Array[] = [new Uint8Array(64), new Uint8Array(64)];
  readonly #lent = new Set<ArrayBufferLike>();

  tryGetNextBuffer(): Uint8Array | undefined {
    const buffer = this.#free.pop();
    if (buffer !== undefined) this.#lent.add(buffer.buffer);
    return buffer;
  }
  sendBuffer(buffer: Uint8Array, length = buffer.byteLength): void {
    this.sent.push(Array.from(buffer.subarray(0, length)));
    this.discardBuffer(buffer);
  }
  discardBuffer(buffer: Uint8Array): void {
    if (!this.#lent.delete(buffer.buffer)) throw new Error("buffer was not lent");
    this.#free.push(new Uint8Array(buffer.buffer));
  }
  randomSequenceNumber(): number {
    return 1;
  }
}

// Echoes packets whose first byte is 1 and keeps them until the batch is flushed.
class EchoReceiver<TTransmitter extends IPacketTransmitter> implements IPacketReceiver {
  readonly #held: PacketOwner[] = [];
  constructor(readonly transmitter: TTransmitter) {}

  tryConsume<T extends PacketOwner>(input: T): T | null {
    if (input.memory[0] !== 1) return input;
    this.#held.push(input);
    return null;
  }
  flushPendingAcks(): void {
    for (const owner of this.#held.splice(0)) {
      const out = this.transmitter.tryGetNextBuffer();
      if (out !== undefined) {
        out.set(owner.memory.subarray(0, owner.length));
        this.transmitter.sendBuffer(out, owner.length);
      }
      owner.dispose();
    }
  }
}

function ownerOf(bytes: number[], disposed: number[]): PacketOwner {
  return {
    memory: Uint8Array.from(bytes),
    length: bytes.length,
    dispose: () => disposed.push(bytes[1] ?? -1),
  };
}

describe("the transport contracts", () => {
  it("compose through a receiver factory typed by its transmitter", () => {
    const factory: PacketReceiverFactory<LoopbackTransmitter, EchoReceiver<LoopbackTransmitter>> = (
      t,
    ) => new EchoReceiver(t);
    const receiver = factory(new LoopbackTransmitter());
    expectTypeOf(receiver.transmitter).toEqualTypeOf<LoopbackTransmitter>();
  });

  it("let a receiver keep consumed packets and decline the rest", () => {
    const transmitter = new LoopbackTransmitter();
    const receiver = new EchoReceiver(transmitter);
    const disposed: number[] = [];
    const kept = ownerOf([1, 10, 3], disposed);
    const declined = ownerOf([2, 20], disposed);

    expect(receiver.tryConsume(kept)).toBeNull();
    expect(receiver.tryConsume(declined)).toBe(declined);
    declined.dispose(); // the port disposes what was declined
    expect(disposed).toEqual([20]);

    receiver.flushPendingAcks();
    expect(transmitter.sent).toEqual([[1, 10, 3]]);
    expect(disposed).toEqual([20, 10]);
    expect(() => transmitter.discardBuffer(new Uint8Array(4))).toThrow("not lent");
  });
});
