import {
  checkMinLength,
  type IPacketReceiver,
  type IPacketTransmitter,
  type PacketOwner,
} from "@magma/transport";

/** A breach of the transmitter's or the packet owner's ownership rules, found by these fakes. */
export class OwnershipError extends Error {
  override readonly name = "OwnershipError";
}

/** What lent buffers are filled with: pool slots are never clean, so a stack must write every byte. */
const LENT_FILL = 0xa5;
/** What returned buffers are filled with, to notice a write after the buffer went back. */
const RETURNED_FILL = 0x5a;
/** What a disposed packet's memory is filled with, to spoil any reference kept past `dispose()`. */
const DISPOSED_FILL = 0xdd;

export interface MemoryTransmitterOptions {
  /** [1500] */
  readonly maxPacketLength?: number;
  /** The length of a buffer lent without `minLength` [maxPacketLength]. */
  readonly ordinaryLength?: number;
  /** Asked before every loan: true refuses it, as a backend out of buffers does [never]. */
  readonly refuse?: (minLength: number | undefined) => boolean;
  /** Seed of `randomSequenceNumber()` [1]. */
  readonly seed?: number;
  /** Called with a copy of each packet as it is sent. */
  readonly onSend?: (packet: Uint8Array) => void;
}

interface Loan {
  readonly view: Uint8Array;
}

/**
 * An `IPacketTransmitter` over plain Uint8Arrays that records every packet sent and enforces the
 * lend/send/discard contract: each loan is a fresh buffer of exactly the length asked for (so a
 * write past it is lost and shows up as a malformed packet), filled with garbage; `sendBuffer` and
 * `discardBuffer` throw `OwnershipError` for a buffer it did not lend, one already returned, a
 * view that does not start where the loan starts, or an impossible length; and a returned buffer
 * is poisoned so that `assertClean()` notices a write after the return.
 */
export class MemoryTransmitter implements IPacketTransmitter {
  readonly maxPacketLength: number;
  /** Copies of the packets sent, in order. */
  readonly sent: Uint8Array[] = [];
  loans = 0;
  sends = 0;
  discards = 0;
  refusals = 0;
  /** Set to refuse every loan, as a closed port does. */
  closed = false;

  readonly #ordinaryLength: number;
  readonly #refuse: ((minLength: number | undefined) => boolean) | undefined;
  readonly #onSend: ((packet: Uint8Array) => void) | undefined;
  readonly #outstanding = new Map<ArrayBufferLike, Loan>();
  readonly #returned = new WeakSet<ArrayBufferLike>();
  /** Returned buffers not yet checked for writes after their return. */
  #poisoned: Uint8Array[] = [];
  #random: number;
  #taken = 0;

  constructor(options: MemoryTransmitterOptions = {}) {
    this.maxPacketLength = options.maxPacketLength ?? 1500;
    this.#ordinaryLength = options.ordinaryLength ?? this.maxPacketLength;
    this.#refuse = options.refuse;
    this.#onSend = options.onSend;
    this.#random = options.seed === undefined || options.seed === 0 ? 1 : options.seed >>> 0;
  }

  /** Buffers lent and neither sent nor discarded yet. */
  get outstanding(): number {
    return this.#outstanding.size;
  }

  tryGetNextBuffer(minLength?: number): Uint8Array | undefined {
    if (minLength !== undefined) checkMinLength(minLength, this.maxPacketLength);
    if (this.closed) return undefined;
    if (this.#refuse?.(minLength) === true) {
      this.refusals++;
      return undefined;
    }
    const view = new Uint8Array(minLength ?? this.#ordinaryLength).fill(LENT_FILL);
    this.#outstanding.set(view.buffer, { view });
    this.loans++;
    return view;
  }

  sendBuffer(buffer: Uint8Array, length: number = buffer.length): void {
    const loan = this.#find(buffer, "sendBuffer");
    if (!Number.isInteger(length) || length < 0 || length > loan.view.length) {
      throw new OwnershipError(
        `sendBuffer: length ${String(length)} is not within the lent buffer's ${loan.view.length} bytes`,
      );
    }
    this.#take(buffer, "sendBuffer");
    const packet = loan.view.slice(0, length);
    this.#poison(loan.view);
    this.sent.push(packet);
    this.sends++;
    this.#onSend?.(packet);
  }

  discardBuffer(buffer: Uint8Array): void {
    this.#poison(this.#take(buffer, "discardBuffer").view);
    this.discards++;
  }

  /** A deterministic xorshift32 sequence: reproducible runs, unlike the real cryptographic source. */
  randomSequenceNumber(): number {
    let x = this.#random;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#random = x >>> 0;
    return this.#random;
  }

  /** The packets sent since the last call. */
  takeSent(): Uint8Array[] {
    const packets = this.sent.slice(this.#taken);
    this.#taken = this.sent.length;
    return packets;
  }

  /** Throws unless every loan came back and no returned buffer was written to afterwards. */
  assertClean(): void {
    if (this.#outstanding.size > 0) {
      throw new OwnershipError(
        `${this.#outstanding.size} lent buffer(s) neither sent nor discarded`,
      );
    }
    this.assertNoWriteAfterReturn();
  }

  /** Throws if a buffer was written to after it was sent or discarded. */
  assertNoWriteAfterReturn(): void {
    const poisoned = this.#poisoned;
    this.#poisoned = [];
    for (const buffer of poisoned) {
      if (buffer.some((byte) => byte !== RETURNED_FILL)) {
        throw new OwnershipError("a buffer was written to after it was sent or discarded");
      }
    }
  }

  /** The loan behind `buffer`, which must be outstanding and start where the loan starts. */
  #find(buffer: Uint8Array, operation: string): Loan {
    if (!(buffer instanceof Uint8Array)) {
      throw new OwnershipError(`${operation}: not a Uint8Array`);
    }
    const loan = this.#outstanding.get(buffer.buffer);
    if (loan === undefined) {
      throw new OwnershipError(
        this.#returned.has(buffer.buffer)
          ? `${operation}: this buffer was already sent or discarded`
          : `${operation}: this buffer was not lent by this transmitter`,
      );
    }
    if (buffer.byteOffset !== loan.view.byteOffset || buffer.length > loan.view.length) {
      throw new OwnershipError(
        `${operation}: the view does not start where the lent buffer starts`,
      );
    }
    return loan;
  }

  /** Ends the loan behind `buffer`, after `#find`'s checks. */
  #take(buffer: Uint8Array, operation: string): Loan {
    const loan = this.#find(buffer, operation);
    this.#outstanding.delete(buffer.buffer);
    this.#returned.add(buffer.buffer);
    return loan;
  }

  #poison(view: Uint8Array): void {
    view.fill(RETURNED_FILL);
    this.#poisoned.push(view);
  }
}

/**
 * A received packet's owner as a port hands it over: `memory` is longer than the packet (the rest
 * of a pool slot, filled with garbage), `dispose()` counts its calls, throws on the second, and
 * spoils the memory so that a reference kept past it reads garbage.
 */
export class TestPacketOwner implements PacketOwner {
  readonly memory: Uint8Array;
  readonly length: number;
  disposeCount = 0;

  constructor(packet: Uint8Array, slack = 0) {
    this.memory = new Uint8Array(packet.length + slack).fill(0xee);
    this.memory.set(packet);
    this.length = packet.length;
  }

  dispose(): void {
    this.disposeCount++;
    if (this.disposeCount > 1) throw new OwnershipError("a PacketOwner was disposed twice");
    this.memory.fill(DISPOSED_FILL);
  }
}

/** Wraps a packet as a `PacketOwner` whose `dispose()` is checked to run exactly once. */
export function packetOwner(packet: Uint8Array, slack = 0): TestPacketOwner {
  return new TestPacketOwner(packet, slack);
}

/**
 * Offers packets to a receiver as a port does and keeps the books: a packet taken (`null`) must
 * end up disposed exactly once (`assertSettled()`); a packet declined (returned as is) must not
 * have been disposed, and is then disposed here as the port would; any other result throws.
 */
export class PacketLedger {
  readonly taken: TestPacketOwner[] = [];
  declined = 0;

  /** Offers one packet; returns whether the receiver took it. */
  offer(receiver: IPacketReceiver, packet: Uint8Array, slack = 0): boolean {
    const owner = packetOwner(packet, slack);
    const result = receiver.tryConsume(owner);
    if (result === null) {
      this.taken.push(owner);
      return true;
    }
    if (result !== owner) {
      throw new OwnershipError("tryConsume returned neither null nor its input");
    }
    if (owner.disposeCount !== 0) {
      throw new OwnershipError("tryConsume declined a packet it had already disposed");
    }
    this.declined++;
    owner.dispose();
    return false;
  }

  /** Throws unless every packet the receiver took was disposed exactly once. */
  assertSettled(): void {
    const pending = this.taken.filter((owner) => owner.disposeCount !== 1);
    if (pending.length > 0) {
      throw new OwnershipError(
        `${pending.length} taken packet(s) not disposed exactly once (counts ${pending
          .map((owner) => owner.disposeCount)
          .join(", ")})`,
      );
    }
  }
}
