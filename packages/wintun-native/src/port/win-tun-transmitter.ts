import { type PooledPacketSink, SessionTransmitter } from "./session-transmitter.js";

/**
 * Magma's `IPacketTransmitter` over a wintun session (or a port worker's way into its send ring):
 * the shared `SessionTransmitter` at wintun's limit, 65535 bytes a packet. `tryGetNextBuffer()`
 * lends a small pool slot, `tryGetNextBuffer(minLength)` a large (64 KiB) one when `minLength`
 * exceeds the small slot size; replies queued by `sendBuffer()` leave in one native call per
 * received batch. Nothing is allocated per packet.
 */
export class WinTunTransmitter extends SessionTransmitter {
  constructor(session: PooledPacketSink) {
    super(session);
  }
}
