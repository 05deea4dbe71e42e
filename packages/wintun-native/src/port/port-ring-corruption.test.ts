import * as dgram from "node:dgram";
import { once } from "node:events";
import type { IPacketReceiver, PacketOwner } from "@magma/transport";
import { afterEach, beforeAll, expect, it } from "vitest";
import { describeNetwork, waitFor } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";
import { WinTunError } from "../wintun-error.js";
import { WinTunPort } from "./win-tun-port.js";

// The emulator reads its fault settings once per process, when the first session starts; vitest
// runs each test file in a process of its own, so this file's sessions all see a corrupt ring.
const GOOD_PACKETS = 5;
beforeAll(() => {
  process.env.WINTUN_EMU_CORRUPT_TO_APP_AFTER = String(GOOD_PACKETS);
});
afterEach(closeSessions);

class CountingReceiver implements IPacketReceiver {
  received = 0;
  tryConsume<T extends PacketOwner>(input: T): T | null {
    this.received++;
    input.dispose();
    return null;
  }
  flushPendingAcks(): void {}
}

describeNetwork("a corrupt receive ring (ERROR_INVALID_DATA)", () => {
  it("ends the port's session as failed, with the error, after the good packets", async () => {
    const { adapter, session } = await openSession("mgw-c1", 70);
    session.close();
    const port = await WinTunPort.create({
      adapterName: adapter.name,
      packetReceiverFactory: () => new CountingReceiver(),
    });
    const ends: unknown[] = [];
    const errors: unknown[] = [];
    port.on("end", (end) => ends.push(end));
    port.on("error", (error) => errors.push(error));
    const socket = dgram.createSocket("udp4");
    socket.bind(0, "198.18.70.1");
    await once(socket, "listening");
    for (let i = 0; i < 20 && !port.session.isClosed; i++) {
      socket.send("x", 9, "198.18.70.2");
      await waitFor(() => port.receiver.received > i || port.session.isClosed, 1000);
    }
    socket.close();
    const end = await port.ended;
    expect(end.reason).toBe("failed");
    expect(end.error).toBeInstanceOf(WinTunError);
    expect(end.error).toMatchObject({
      code: 13,
      symbol: "ERROR_INVALID_DATA",
      call: "WintunReceivePacket",
    });
    expect(ends).toEqual([end]);
    // A failed end is news for whoever handles errors, too.
    expect(errors).toEqual([end.error]);
    expect(port.receiver.received).toBe(GOOD_PACKETS);
    // The transmitter stops lending once the session is gone; sends would count, not throw.
    expect(port.transmitter.tryGetNextBuffer()).toBeUndefined();
    await port.close();
  });
});
