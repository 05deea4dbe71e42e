import * as dgram from "node:dgram";
import { once } from "node:events";
import type { IPacketReceiver, PacketOwner } from "@magma/transport";
import { afterEach, beforeAll, expect, it } from "vitest";
import { describeNetwork, waitFor } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";
import { WinTunError } from "../wintun-error.js";
import { WinTunPort } from "./win-tun-port.js";
import type { WinTunTransmitter } from "./win-tun-transmitter.js";

// The emulator reads its fault settings once per process, when the first session starts; vitest
// runs each test file in a process of its own, so this file's sessions all get a send ring that
// the driver declares corrupt after it consumed GOOD_PACKETS, as wintun's driver does when it
// finds a bad packet (wintun-api.md §3.6): Allocate fails with ERROR_HANDLE_EOF from then on,
// while the receive ring goes on.
const GOOD_PACKETS = 3;
beforeAll(() => {
  process.env.WINTUN_EMU_CORRUPT_FROM_APP_AFTER = String(GOOD_PACKETS);
});
afterEach(closeSessions);

/** Answers every IPv4 UDP datagram by sending a fixed small IPv4 packet back to the kernel. */
class ReplyingReceiver implements IPacketReceiver {
  received = 0;
  constructor(private readonly transmitter: WinTunTransmitter) {}
  tryConsume<T extends PacketOwner>(input: T): T | null {
    this.received++;
    const buffer = this.transmitter.tryGetNextBuffer();
    if (buffer !== undefined) {
      // The received datagram, sent back unchanged: the kernel drops it (it is addressed to the
      // far end), but the driver consumes it from the send ring first, which is what counts here.
      buffer.set(input.memory.subarray(0, input.length));
      this.transmitter.sendBuffer(buffer, input.length);
    }
    input.dispose();
    return null;
  }
  flushPendingAcks(): void {}
}

describeNetwork("a send ring the driver declares corrupt", () => {
  it("ends the session as failed with an error event, and counts what was left", async () => {
    const { adapter, session } = await openSession("mgw-sc1", 120);
    session.close();
    const port = await WinTunPort.create({
      adapterName: adapter.name,
      packetReceiverFactory: (transmitter) => new ReplyingReceiver(transmitter),
    });
    const errors: unknown[] = [];
    const ends: unknown[] = [];
    port.on("error", (error) => errors.push(error));
    port.on("end", (end) => ends.push(end));
    const socket = dgram.createSocket("udp4");
    socket.bind(0, "198.18.120.1");
    await once(socket, "listening");
    for (let i = 0; i < 50 && !port.session.isClosed; i++) {
      socket.send("x", 9, "198.18.120.2");
      await waitFor(() => port.receiver.received > i || port.session.isClosed, 1000);
    }
    socket.close();
    const end = await Promise.race([
      port.ended,
      new Promise((resolve) => setTimeout(() => resolve("still running"), 3000)),
    ]);
    expect(end).toMatchObject({ reason: "failed" });
    const error = (end as { error: WinTunError }).error;
    expect(error).toBeInstanceOf(WinTunError);
    expect(error).toMatchObject({
      code: 38,
      symbol: "ERROR_HANDLE_EOF",
      call: "WintunAllocateSendPacket",
    });
    expect(error.message).toContain("stopped taking packets from the send ring");
    expect(port.session.isClosed).toBe(true);
    expect(ends).toEqual([end]);
    expect(errors).toEqual([error]);
    // The send that found the ring over is counted; nothing after it reaches the ring.
    expect(port.stats.drops.txSessionEnded).toBeGreaterThan(0);
    expect(port.stats.txPackets).toBeGreaterThanOrEqual(GOOD_PACKETS);
    await port.close();
    expect(port.session.pool.stats.inUse).toBe(0);
  });
});
