import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeTransfer,
  expectNothingLeft,
  expectRoundTripNear,
  fileSha256,
  sha256,
  statsDelta,
  TransferFixture,
  timedCurl,
} from "./test-support/http-transfer.js";
import { describeKernelPeer } from "./test-support/kernel-peer.js";

// The emulator reads its fault variables once per process, when the first session starts, and
// vitest runs each test file in a process of its own: on this file's adapter every packet waits
// 20 ms each way (a 40 ms round trip) and 1 % of the packets each way are lost inside the
// emulator, between the kernel and the rings. Neither side's TCP learns of a loss except from
// its peer, which a drop on the kernel's own output path (nftables egress) does not guarantee:
// there the kernel is told that the transmission failed and sends the segment again without
// counting a retransmission.
Object.assign(process.env, {
  WINTUN_EMU_SEED: "87",
  WINTUN_EMU_TO_APP_DELAY_MS: "20",
  WINTUN_EMU_FROM_APP_DELAY_MS: "20",
  WINTUN_EMU_TO_APP_LOSS: "1",
  WINTUN_EMU_FROM_APP_LOSS: "1",
});
const RTT_MS = 40;

const SIZE = 64 << 20;
/** Our loss-based sender is bound to about 3.5 Mb/s here (Mathis): 16 MiB take about 40 s. */
const DOWNLOAD_MIB = 16;
const body = randomBytes(SIZE);
const bodySha = sha256(body);
const downloadSha = sha256(body.subarray(0, DOWNLOAD_MIB << 20));

describeKernelPeer("curl over a 40 ms round trip with 1 % loss each way in the emulator", () => {
  const fixture = new TransferFixture(body, "mgt-fault-loss", 89);

  beforeAll(() => fixture.open());
  afterAll(() => fixture.close());

  it("moves 16 MiB down and 64 MiB up intact, without a stall, and leaves nothing behind", async () => {
    let before = { ...fixture.link.receiver.stats };
    const url = `http://${fixture.link.address}/`;
    const target = join(fixture.folder, "download.bin");
    const transfer = { lastSocket: fixture.lastSocket, address: fixture.link.address };

    const down = await timedCurl({
      ...transfer,
      args: ["-o", target, "-w", "%{http_code}", `${url}${DOWNLOAD_MIB}`],
      bytes: DOWNLOAD_MIB << 20,
      timeoutSeconds: 85,
    });
    console.log(describeTransfer("40 ms, 1 % emulator loss, download 16 MiB", down));
    expect(down.curl).toEqual({ code: 0, out: "200" });
    expect(fileSha256(target)).toBe(downloadSha);
    expect(down.seconds).toBeLessThan(75);
    expectRoundTripNear(RTT_MS, down, "we send");
    const sending = statsDelta(before, fixture.link.receiver.stats);
    console.log(
      "receiver while sending",
      sending,
      "session",
      fixture.link.port.session.stats.drops,
    );
    // Our segments were lost and we recovered them, hardly ever by the timer.
    expect(sending.fastRetransmissions).toBeGreaterThan(0);
    expect(sending.timeoutRetransmissions ?? 0).toBeLessThan(sending.fastRetransmissions! / 4);

    before = { ...fixture.link.receiver.stats };
    const upload = ["--data-binary", `@${join(fixture.folder, "upload.bin")}`, url];
    const up = await timedCurl({ ...transfer, args: upload, bytes: SIZE, timeoutSeconds: 40 });
    console.log(describeTransfer("40 ms, 1 % emulator loss, upload 64 MiB", up));
    expect(up.curl).toEqual({ code: 0, out: `${SIZE} ${bodySha}` });
    expect(up.seconds).toBeLessThan(30);
    expectRoundTripNear(RTT_MS, up, "the kernel sends");
    const receiving = statsDelta(before, fixture.link.receiver.stats);
    const kernel = up.kernelSamples.at(-1)!;
    console.log("receiver while receiving", receiving, "kernel socket", kernel);
    // The kernel's segments were lost on the way to us: it retransmitted about 1 % of what it had
    // sent by its last sample, and we held what came after each hole until the hole was filled.
    expect(kernel.retransmits).toBeGreaterThan(kernel.segsOut * 0.005);
    expect(receiving.outOfOrderSegments).toBeGreaterThan(0);

    expect(fixture.link.receiver.stats.timedOut).toBe(0);
    await expectNothingLeft(fixture.link, fixture.slotsAtRest);
  });
});
