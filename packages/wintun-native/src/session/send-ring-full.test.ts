import { PacketMemoryPool } from "@magma/memory-pool";
import type { IPacketReceiver, PacketOwner } from "@magma/transport";
import { afterEach, beforeAll, expect, it } from "vitest";
import { WinTunPort } from "../port/win-tun-port.js";
import { writeUdp } from "../test-support/ipv4-udp.js";
import { describeNetwork } from "../test-support/network-test.js";
import { closeSessions, openSession } from "../test-support/session-fixture.js";

// On Windows the driver drains the send ring on a thread of its own, so a fast sender fills it.
// The emulator usually drains it inside WintunSendPacket instead; pausing its consumer makes a
// full ring happen exactly when the contract says. It reads the setting once per process, when
// the first session starts, and vitest runs each test file in a process of its own.
beforeAll(() => {
  process.env.WINTUN_EMU_PAUSE_FROM_APP = "1";
});
afterEach(closeSessions);

class DecliningReceiver implements IPacketReceiver {
  tryConsume<T extends PacketOwner>(input: T): T | null {
    return input;
  }
  flushPendingAcks(): void {}
}

describeNetwork("a full send ring", () => {
  it("is reported by session.send as a count and a return value, never an exception", async () => {
    const { session, kernelAddress, peerAddress } = await openSession("mgw-f1", 90, {
      capacity: 0x20000,
    });
    const packet = new Uint8Array(1500);
    writeUdp(packet, peerAddress, kernelAddress, 9002, 9, 1472, (p) => p.fill(1));
    const sent = session.send(new Array<Uint8Array>(200).fill(packet));
    // The contract's threshold: (0x20000 - 4) / align4(4 + 1500) packets fit.
    expect(sent).toBe(87);
    const { drops, txPackets } = session.stats;
    expect(txPackets).toBe(87);
    expect(drops.sendRingFull).toBe(200 - 87);
  });

  it("is counted by the port's transmitter as txRingFull, and the slots return to the pool", async () => {
    const { adapter, session } = await openSession("mgw-f2", 91);
    session.close();
    const pool = new PacketMemoryPool({ slotsPerSlab: 256, slabCount: 4, largeSlotCount: 2 });
    const port = await WinTunPort.create({
      adapterName: adapter.name,
      pool,
      capacity: 0x20000,
      packetReceiverFactory: () => new DecliningReceiver(),
    });
    const { transmitter } = port;
    for (let i = 0; i < 200; i++) {
      const buffer = transmitter.tryGetNextBuffer() as Uint8Array;
      const length = writeUdp(buffer, "198.18.91.2", "198.18.91.1", 9, 9, 1472, (p) => p.fill(2));
      transmitter.sendBuffer(buffer, length);
    }
    expect(transmitter.flush()).toBe(87);
    const stats = port.stats;
    expect(stats.txPackets).toBe(87);
    expect(stats.drops.txRingFull).toBe(200 - 87);
    expect(pool.stats.inUse).toBeLessThanOrEqual(port.session.pool.stats.capacity);
    await port.close();
    expect(pool.stats.inUse).toBe(0);
  });
});
