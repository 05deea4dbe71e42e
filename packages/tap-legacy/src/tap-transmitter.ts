import { type PooledPacketSink, SessionTransmitter } from "@magma/wintun-native";

/**
 * Magma's `IPacketTransmitter` over a TAP adapter: the transmitter every backend's port lends
 * (`SessionTransmitter`: pool slots, one native crossing per batch), capped at the adapter's MTU,
 * the longest packet the driver's TUN mode takes (reference B.4/B.5).
 */
export class TapTransmitter extends SessionTransmitter {
  /** @internal Made by `TapPort.create`. */
  constructor(sink: PooledPacketSink, mtu: number) {
    super(sink, { maxPacketLength: Math.min(mtu, 0xffff) });
  }
}
