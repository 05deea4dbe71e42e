import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  counterDelta,
  describeTransfer,
  expectNothingLeft,
  expectRoundTripNear,
  fileSha256,
  interfaceCounters,
  KERNEL_DROP_COUNTERS,
  kernelTcpCounters,
  median,
  sha256,
  statsDelta,
  TransferFixture,
  timedCurl,
} from "./test-support/http-transfer.js";
import { describeKernelPeer } from "./test-support/kernel-peer.js";

// The emulator reads its fault variables once per process, when the first session starts, and
// vitest runs each test file in a process of its own: on this file's adapter every packet waits
// 20 ms in the emulator each way, a real 40 ms round trip for windows and timers.
const RTT_MS = 40;
Object.assign(process.env, {
  WINTUN_EMU_TO_APP_DELAY_MS: String(RTT_MS / 2),
  WINTUN_EMU_FROM_APP_DELAY_MS: String(RTT_MS / 2),
});

const ADAPTER = "mgt-fault-delay";
const SIZE = 64 << 20;
/**
 * Our sender (CUBIC, in its Reno-friendly region here) facing 1 % loss at 40 ms is bound to about
 * MSS·8/RTT·1.22/√0.01 ≈ 3.5 Mb/s (Mathis et al.), so 64 MiB would take 160 s: under loss the
 * download is 16 MiB (about 40 s).
 */
const LOSSY_DOWNLOAD_MIB = 16;
const body = randomBytes(SIZE);
const bodySha = sha256(body);
const lossyDownloadSha = sha256(body.subarray(0, LOSSY_DOWNLOAD_MIB << 20));

describeKernelPeer("curl over a 40 ms round trip (the emulator's delay fault)", () => {
  const fixture = new TransferFixture(body, ADAPTER, 88);

  beforeAll(() => fixture.open());
  afterAll(() => fixture.close());

  function download(mebibytes: number, timeoutSeconds: number) {
    const url = `http://${fixture.link.address}/${mebibytes}`;
    const args = ["-o", join(fixture.folder, "download.bin"), "-w", "%{http_code}", url];
    const bytes = mebibytes << 20;
    return timedCurl({
      args,
      bytes,
      timeoutSeconds,
      lastSocket: fixture.lastSocket,
      address: fixture.link.address,
    });
  }

  function upload(timeoutSeconds: number) {
    const args = [
      "--data-binary",
      `@${join(fixture.folder, "upload.bin")}`,
      `http://${fixture.link.address}/`,
    ];
    return timedCurl({
      args,
      bytes: SIZE,
      timeoutSeconds,
      lastSocket: fixture.lastSocket,
      address: fixture.link.address,
    });
  }

  /** Where packets were dropped outside our stack, for the log. */
  function drops(kernelBefore: Record<string, number>) {
    return {
      kernel: counterDelta(kernelBefore, kernelTcpCounters(), KERNEL_DROP_COUNTERS),
      adapter: interfaceCounters(ADAPTER),
      session: fixture.link.port.session.stats.drops,
    };
  }

  it("moves 64 MiB each way intact, lossless, with getInfo() reading a 40 ms path", async () => {
    const before = { ...fixture.link.receiver.stats };
    const kernelBefore = kernelTcpCounters();

    const down = await download(64, 30);
    console.log(describeTransfer("40 ms, lossless, download 64 MiB", down));
    expect(down.curl).toEqual({ code: 0, out: "200" });
    expect(fileSha256(join(fixture.folder, "download.bin"))).toBe(bodySha);
    expect(down.seconds).toBeLessThan(20);
    expectRoundTripNear(RTT_MS, down, "we send");
    // Window scaling at work: far more than 64 KiB in flight to fill the path.
    expect(Math.max(...down.samples.map((s) => s.bytesInFlight))).toBeGreaterThan(512 << 10);

    const up = await upload(30);
    console.log(describeTransfer("40 ms, lossless, upload 64 MiB", up));
    expect(up.curl).toEqual({ code: 0, out: `${SIZE} ${bodySha}` });
    expect(up.seconds).toBeLessThan(20);
    expectRoundTripNear(RTT_MS, up, "the kernel sends");
    // Our window (the 1 MiB receive buffer) is what bounds the upload: about 200 Mb/s at 40 ms.
    expect(median(up.samples.map((s) => s.receiveWindow))).toBeGreaterThan(512 << 10);
    expect(up.megabitsPerSecond).toBeLessThan(((1 << 20) * 8) / (RTT_MS / 1000) / 1e6 + 10);

    // No retransmission timer fired too early for the 40 ms round trip (or at all).
    const ours = statsDelta(before, fixture.link.receiver.stats);
    console.log("receiver", ours, drops(kernelBefore));
    expect(ours.timeoutRetransmissions ?? 0).toBe(0);
    expect(ours.timedOut ?? 0).toBe(0);

    await expectNothingLeft(fixture.link, fixture.slotsAtRest);
  });

  // fixture.link.addLoss drops 1 % each way with nftables on the adapter's netdev hooks. Our segments are
  // really lost (ingress). The kernel's are dropped on its own egress hook, before segmentation
  // (one drop can be a whole 64 KiB GSO packet) and with the error reported to its TCP, which sends
  // them again without counting a retransmission: the upload here sees hardly any real loss.
  // kernel-peer-faults-delay-loss.test.ts loses the kernel's segments inside the emulator instead.
  it("moves 16 MiB down and 64 MiB up intact with 1 % loss each way on the adapter (nftables)", async () => {
    const before = { ...fixture.link.receiver.stats };
    const kernelBefore = kernelTcpCounters();
    fixture.link.addLoss(1);
    try {
      const down = await download(LOSSY_DOWNLOAD_MIB, 85);
      console.log(describeTransfer("40 ms, 1 % nftables loss, download 16 MiB", down));
      expect(down.curl).toEqual({ code: 0, out: "200" });
      expect(fileSha256(join(fixture.folder, "download.bin"))).toBe(lossyDownloadSha);
      expect(down.seconds).toBeLessThan(75);
      expectRoundTripNear(RTT_MS, down, "we send");

      const up = await upload(40);
      console.log(describeTransfer("40 ms, 1 % nftables loss, upload 64 MiB", up));
      expect(up.curl).toEqual({ code: 0, out: `${SIZE} ${bodySha}` });
      expect(up.seconds).toBeLessThan(30);
      expectRoundTripNear(RTT_MS, up, "the kernel sends");

      const dropped = fixture.link.lossCounters();
      const ours = statsDelta(before, fixture.link.receiver.stats);
      console.log("dropped", dropped, "receiver", ours, drops(kernelBefore));
      // Our segments were lost toward the kernel and recovered by fast retransmission.
      expect(dropped.toKernel).toBeGreaterThan(0);
      expect(dropped.fromKernel).toBeGreaterThan(0);
      expect(ours.fastRetransmissions).toBeGreaterThan(0);
      expect(ours.timedOut ?? 0).toBe(0);
    } finally {
      fixture.link.removeLoss();
    }
    await expectNothingLeft(fixture.link, fixture.slotsAtRest);
  });
});
