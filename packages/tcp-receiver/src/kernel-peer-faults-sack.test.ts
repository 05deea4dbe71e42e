// Our receiving side under 1 % loss each way and a 40 ms round trip (emulator faults): the kernel
// sends curl's upload to us and has to retransmit. If our ACKs under-report what we hold (one ACK
// per batch instead of one per out-of-order segment, RFC 5681 §4.2; SACK blocks not the most
// recently changed ones, RFC 2018 §4), most of its retransmissions are segments we already have,
// which we then drop as old (outOfWindowDrops).
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeTransfer,
  sha256,
  statsDelta,
  TransferFixture,
  timedCurl,
} from "./test-support/http-transfer.js";
import { describeKernelPeer } from "./test-support/kernel-peer.js";

Object.assign(process.env, {
  WINTUN_EMU_SEED: "87",
  WINTUN_EMU_TO_APP_DELAY_MS: "20",
  WINTUN_EMU_FROM_APP_DELAY_MS: "20",
  WINTUN_EMU_TO_APP_LOSS: "1",
  WINTUN_EMU_FROM_APP_LOSS: "1",
});

const SIZE = 16 << 20;
const body = randomBytes(SIZE);

describeKernelPeer("SACK reporting under 1 % loss at 40 ms", () => {
  const fixture = new TransferFixture(body, "mgt-fault-sack", 96);

  beforeAll(() => fixture.open());
  afterAll(() => fixture.close());

  it("tells the kernel about what it received, so few of its retransmissions are needless", async () => {
    const before = { ...fixture.link.receiver.stats };
    const args = [
      "--data-binary",
      `@${join(fixture.folder, "upload.bin")}`,
      `http://${fixture.link.address}/`,
    ];
    const up = await timedCurl({
      args,
      bytes: SIZE,
      timeoutSeconds: 60,
      lastSocket: fixture.lastSocket,
      address: fixture.link.address,
    });
    console.log(describeTransfer("upload 16 MiB", up));
    expect(up.curl).toEqual({ code: 0, out: `${SIZE} ${sha256(body)}` });
    const ours = statsDelta(before, fixture.link.receiver.stats);
    const kernel = up.kernelSamples.at(-1)!;
    console.log("receiver", ours, "kernel socket", kernel);
    // Each out-of-order segment is acknowledged (RFC 5681 §4.2), most of them at least.
    expect.soft(ours.segmentsSent!).toBeGreaterThan(ours.outOfOrderSegments! / 2);
    // Needless retransmissions (segments we already held) are a small share of the kernel's.
    expect.soft(ours.outOfWindowDrops ?? 0).toBeLessThan(kernel.retransmits / 4);
  });
});
