import type { IPacketReceiver } from "@magma/transport";
import { expect, it } from "vitest";
import { adapterLinksNamed } from "../test-support/adapter-links.js";
import { describeNetwork } from "../test-support/network-test.js";
import { WinTunError } from "../wintun-error.js";
import { WinTunPort } from "./win-tun-port.js";

const decline: IPacketReceiver = { tryConsume: (input) => input, flushPendingAcks: () => {} };

describeNetwork("WinTunPort.create on one name, at once", () => {
  it("ends with one adapter: one port runs, the others are told the adapter has its session", async () => {
    const results = await Promise.allSettled(
      [1, 2, 3].map(() =>
        WinTunPort.create({ adapterName: "mgw-pc1", packetReceiverFactory: () => decline }),
      ),
    );
    expect(adapterLinksNamed("mgw-pc1")).toHaveLength(1);
    const running = results.filter((result) => result.status === "fulfilled");
    expect(running).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") {
        expect(result.reason).toBeInstanceOf(WinTunError);
        expect((result.reason as WinTunError).code).toBe(1247);
      }
    }
    const port = (running[0] as PromiseFulfilledResult<WinTunPort<IPacketReceiver>>).value;
    expect(port.adapter.created).toBe(true);
    // The adapter's own counters sit beside ours, and go with the adapter.
    expect(port.stats.interface).toMatchObject({ txPackets: expect.any(Number), txDropped: 0 });
    await port.close();
    expect(port.stats.interface).toBeUndefined();
    expect(adapterLinksNamed("mgw-pc1")).toHaveLength(0);
  });
});
