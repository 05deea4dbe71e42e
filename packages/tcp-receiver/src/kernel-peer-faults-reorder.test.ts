import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  counterDelta,
  describeTransfer,
  expectNothingLeft,
  fileSha256,
  kernelTcpCounters,
  sha256,
  statsDelta,
  TransferFixture,
  timedCurl,
} from "./test-support/http-transfer.js";
import { describeKernelPeer } from "./test-support/kernel-peer.js";

// The emulator reads its fault variables once per process, when the first session starts, and
// vitest runs each test file in a process of its own: on this file's adapter every packet, both
// ways, may be duplicated (2 %) or held back behind the next one (2 %).
Object.assign(process.env, {
  WINTUN_EMU_SEED: "87",
  WINTUN_EMU_TO_APP_DUPLICATE: "2",
  WINTUN_EMU_TO_APP_REORDER: "2",
  WINTUN_EMU_FROM_APP_DUPLICATE: "2",
  WINTUN_EMU_FROM_APP_REORDER: "2",
});

const SIZE = 64 << 20;
const body = randomBytes(SIZE);
const bodySha = sha256(body);

describeKernelPeer("64 MiB each way with 2 % duplication and 2 % reordering each way", () => {
  const fixture = new TransferFixture(body, "mgt-fault", 87);

  beforeAll(() => fixture.open());
  afterAll(() => fixture.close());

  it("downloads and uploads intact, without a stall, and leaves nothing behind", async () => {
    const before = { ...fixture.link.receiver.stats };
    const kernelBefore = kernelTcpCounters();
    const url = `http://${fixture.link.address}/`;
    const target = join(fixture.folder, "download.bin");
    const transfer = {
      bytes: SIZE,
      timeoutSeconds: 30,
      lastSocket: fixture.lastSocket,
      address: fixture.link.address,
    };

    const down = await timedCurl({ ...transfer, args: ["-o", target, "-w", "%{http_code}", url] });
    console.log(describeTransfer("download, duplication + reordering", down));
    expect(down.curl).toEqual({ code: 0, out: "200" });
    expect(fileSha256(target)).toBe(bodySha);

    const upload = ["--data-binary", `@${join(fixture.folder, "upload.bin")}`, url];
    const up = await timedCurl({ ...transfer, args: upload });
    console.log(describeTransfer("upload, duplication + reordering", up));
    expect(up.curl).toEqual({ code: 0, out: `${SIZE} ${bodySha}` });

    // No stall: each way takes about a second at most here (0.6 s without faults). And no delay
    // leaked in from another file's fault set: the lowest round trip stays under 10 ms.
    expect(down.seconds).toBeLessThan(15);
    expect(up.seconds).toBeLessThan(15);
    expect(down.samples.at(-1)?.minRttMs).toBeLessThan(10);

    const ours = statsDelta(before, fixture.link.receiver.stats);
    // Namespace-wide: only its growth is read, as a sign that the faults were there.
    const kernel = counterDelta(kernelBefore, kernelTcpCounters(), ["TcpExtTCPDSACKOldSent"]);
    const kernelSocket = down.kernelSamples.at(-1);
    console.log("receiver", ours, "kernel", kernel, "kernel socket", kernelSocket);
    // Kernel -> us: segments out of order, and duplicates of data we had (dropped as old: below
    // RCV.NXT, or by PAWS), about 2 % of the upload.
    expect(ours.outOfOrderSegments).toBeGreaterThan(0);
    const duplicates = (ours.outOfWindowDrops ?? 0) + (ours.pawsDrops ?? 0);
    expect(duplicates).toBeGreaterThan(ours.segmentsReceived! * 0.005);
    // Us -> kernel: it received our segments out of order, and told of our duplicates (DSACK).
    expect(kernelSocket?.outOfOrderReceived).toBeGreaterThan(0);
    expect(kernel.TcpExtTCPDSACKOldSent).toBeGreaterThan(0);
    // Nothing was lost, so nothing may wait for the retransmission timer.
    expect(ours.timeoutRetransmissions ?? 0).toBe(0);
    expect(ours.timedOut ?? 0).toBe(0);

    await expectNothingLeft(fixture.link, fixture.slotsAtRest);
  });
});
