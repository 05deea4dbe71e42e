import type { PooledPacket } from "@magma/memory-pool";
import { PacketDirection } from "@magma/pcapng";
import type { IPacketReceiver, PacketOwner } from "@magma/transport";
import type { PacketCapture } from "./packet-capture.js";
import { PortError } from "./port-error.js";
import type { SessionTransmitter } from "./session-transmitter.js";

/** What the pump saw of its receiver, beside the port's traffic counters. */
export interface ReceiverCounters {
  /** Packets the receiver took (`tryConsume` returned null). */
  consumed: number;
  /** Packets it declined, which the pump disposed. */
  declined: number;
  /** Calls of `tryConsume` or `flushPendingAcks` that threw. */
  receiverErrors: number;
}

/** A packet the pump can offer: one the pool lent (`isRented` until it is disposed). */
export interface ReceivedPacket extends PacketOwner {
  readonly isRented: boolean;
}

/** Where batches come from: a session, or a port worker's queue. */
export interface ReceivedBatchSource<TPacket extends ReceivedPacket> {
  setReceiveHandler(handler: (packets: readonly TPacket[], count: number) => void): void;
}

/**
 * The receive pump: offers every packet of a received batch to the receiver's `tryConsume`,
 * disposes what it declines, calls `flushPendingAcks()` once per batch, and then flushes the
 * replies the receiver queued on the transmitter, so a batch in costs one crossing out.
 * A receiver that throws is reported through `onError` and the pump goes on with the next packet.
 */
export class WinTunTransportReceiver<
  TReceiver extends IPacketReceiver,
  TPacket extends ReceivedPacket = PooledPacket,
> {
  readonly receiver: TReceiver;
  readonly counters: ReceiverCounters = { consumed: 0, declined: 0, receiverErrors: 0 };
  /** @internal Set by the port while a capture runs (pool packets only); checked once per batch. */
  capture: PacketCapture | undefined;
  readonly #transmitter: SessionTransmitter;
  readonly #onError: (error: unknown) => void;

  constructor(
    source: ReceivedBatchSource<TPacket>,
    receiver: TReceiver,
    transmitter: SessionTransmitter,
    onError: (error: unknown) => void,
  ) {
    this.receiver = receiver;
    this.#transmitter = transmitter;
    this.#onError = onError;
    source.setReceiveHandler((packets, count) => this.#onBatch(packets, count));
  }

  #onBatch(packets: readonly TPacket[], count: number): void {
    // Before the receiver sees them: it may rewrite a packet in place or dispose it.
    if (this.capture !== undefined) this.capture.record(packets, count, PacketDirection.Inbound);
    const transmitter = this.#transmitter;
    transmitter.beginBatch();
    try {
      for (let i = 0; i < count; i++) this.#offer(packets[i] as TPacket);
      try {
        this.receiver.flushPendingAcks();
      } catch (error) {
        this.#receiverFailed("flushPendingAcks", error);
      }
    } finally {
      transmitter.endBatch();
    }
  }

  #offer(packet: TPacket): void {
    let result: TPacket | null;
    try {
      result = this.receiver.tryConsume(packet);
    } catch (error) {
      this.#receiverFailed("tryConsume", error);
      // We cannot tell whether it kept the packet; if it did not dispose it, nobody will.
      if (packet.isRented) packet.dispose();
      return;
    }
    if (result === null) {
      this.counters.consumed++;
    } else if (result === packet) {
      this.counters.declined++;
      packet.dispose();
    } else {
      this.counters.receiverErrors++;
      if (packet.isRented) packet.dispose();
      this.#onError(
        new PortError("CONTRACT_VIOLATION", "tryConsume returned neither null nor its input", {
          hint: "return null when you keep the packet, or the packet itself when you decline it",
        }),
      );
    }
  }

  #receiverFailed(call: string, error: unknown): void {
    this.counters.receiverErrors++;
    this.#onError(
      new PortError("RECEIVER_FAILED", `the receiver's ${call} threw; the pump goes on`, {
        cause: error,
      }),
    );
  }
}
