import { describe, expect, expectTypeOf, it } from "vitest";
import {
  checkMinLength,
  type IPacketReceiver,
  type IPacketTransmitter,
  PacketLengthError,
  type PacketOwner,
  type PacketReceiverFactory,
} from "./index.js";

// A loopback transmitter over plain arrays, just enough to exercise the ownership rules: two
// ordinary 64-byte buffers and one large one.
class LoopbackTransmitter implements IPacketTransmitter {
  readonly maxPacketLength = 256;
  readonly sent: number[][] = [];
  readonly #small: Uint8Array[] = [new Uint8Array(64), new Uint8Array(64)];
  readonly #large: Uint8Array[] = [new Uint8Array(this.maxPacketLength)];
  readonly #lent = new Set<ArrayBufferLike>();

  tryGetNextBuffer(minLength?: number): Uint8Array | undefined {
    if (minLength !== undefined) checkMinLength(minLength, this.maxPacketLength);
    const buffer = (minLength === undefined || minLength <= 64 ? this.#small : this.#large).pop();
    if (buffer !== undefined) this.#lent.add(buffer.buffer);
    return buffer;
  }
  sendBuffer(buffer: Uint8Array, length = buffer.byteLength): void {
    this.sent.push(Array.from(buffer.subarray(0, length)));
    this.discardBuffer(buffer);
  }
  discardBuffer(buffer: Uint8Array): void {
    if (!this.#lent.delete(buffer.buffer)) throw new Error("buffer was not lent");
    const whole = new Uint8Array(buffer.buffer);
    (whole.byteLength > 64 ? this.#large : this.#small).push(whole);
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
      const out = this.transmitter.tryGetNextBuffer(owner.length);
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

  it("lend a buffer of at least the length asked for, up to maxPacketLength", () => {
    const transmitter = new LoopbackTransmitter();
    const ordinary = transmitter.tryGetNextBuffer() as Uint8Array;
    const large = transmitter.tryGetNextBuffer(65) as Uint8Array;
    expect(ordinary.length).toBeGreaterThan(0);
    expect(large.length).toBeGreaterThanOrEqual(65);
    expect(large.length).toBeLessThanOrEqual(transmitter.maxPacketLength);
    // The large size has run dry while ordinary buffers remain: undefined, not a throw.
    expect(transmitter.tryGetNextBuffer(transmitter.maxPacketLength)).toBeUndefined();
    const second = transmitter.tryGetNextBuffer(0) as Uint8Array;
    expect(second.length).toBeLessThanOrEqual(transmitter.maxPacketLength);
    for (const buffer of [ordinary, large, second]) transmitter.discardBuffer(buffer);
    const again = transmitter.tryGetNextBuffer(transmitter.maxPacketLength);
    expect(again?.length).toBe(transmitter.maxPacketLength);
  });

  it("let a receiver answer a packet longer than an ordinary buffer", () => {
    const transmitter = new LoopbackTransmitter();
    const receiver = new EchoReceiver(transmitter);
    const bytes = Array.from({ length: 200 }, (_, i) => (i === 0 ? 1 : i & 0xff));
    expect(receiver.tryConsume(ownerOf(bytes, []))).toBeNull();
    receiver.flushPendingAcks();
    expect(transmitter.sent).toEqual([bytes]);
  });

  it("throw a PacketLengthError for a length no buffer can have, a caller's bug", () => {
    const transmitter = new LoopbackTransmitter();
    const tooLarge = transmitter.maxPacketLength + 1;
    expect(() => transmitter.tryGetNextBuffer(tooLarge)).toThrow(PacketLengthError);
    expect(() => transmitter.tryGetNextBuffer(-1)).toThrow(PacketLengthError);
  });
});
