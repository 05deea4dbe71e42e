import type { IPacketReceiver } from "./packet-receiver.js";
import type { IPacketTransmitter } from "./packet-transmitter.js";

/**
 * Builds the receiver of a port from the port's transmitter, so the receiver can answer what it
 * receives. Swapping backends means passing the same factory to another port's `create`.
 */
export type PacketReceiverFactory<
  TTransmitter extends IPacketTransmitter,
  TReceiver extends IPacketReceiver,
> = (transmitter: TTransmitter) => TReceiver;

/** Traffic counters of a port. Drops are keyed by cause; each backend documents its causes. */
export interface PortStatistics {
  readonly rxPackets: number;
  readonly rxBytes: number;
  readonly txPackets: number;
  readonly txBytes: number;
  readonly drops: Readonly<Record<string, number>>;
}

/** A backend bound to one adapter, with the transmitter it lends and the receiver it feeds. */
export interface PacketPort<
  TTransmitter extends IPacketTransmitter,
  TReceiver extends IPacketReceiver,
> {
  readonly transmitter: TTransmitter;
  readonly receiver: TReceiver;
  readonly stats: PortStatistics;
  /** Stops the port and releases everything it holds. Idempotent; safe while traffic flows. */
  close(): Promise<void>;
}
