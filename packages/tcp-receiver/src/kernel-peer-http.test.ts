import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTransferServer, sha256 } from "./test-support/http-transfer.js";
import {
  curl,
  describeKernelPeer,
  type KernelPeerLink,
  openKernelPeerLink,
  waitFor,
} from "./test-support/kernel-peer.js";

const SIZE = 64 << 20;
const body = randomBytes(SIZE);
const bodySha = createHash("sha256").update(body).digest("hex");

describeKernelPeer("an http.Server over the receiver, with the kernel's curl as the client", () => {
  let link: KernelPeerLink;
  let folder: string;
  /** Pool slots the port keeps rented for receiving, before any traffic. */
  let slotsAtRest: number;
  const { server } = createTransferServer(body);

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "magma-tcp-"));
    writeFileSync(join(folder, "upload.bin"), body);
    link = await openKernelPeerLink({
      adapterName: "mgt-http",
      subnet: 80,
      dispatcher: server,
      tcp: { timeWaitMs: 200 },
    });
    slotsAtRest = link.port.transmitter.pool.stats.inUse;
  });

  afterAll(async () => {
    await link?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  async function download(): Promise<void> {
    const target = join(folder, "download.bin");
    const result = await curl(["-o", target, "-w", "%{http_code}", `http://${link.address}/`], 120);
    expect(result).toEqual({ code: 0, out: "200" });
    expect(sha256(readFileSync(target))).toBe(bodySha);
  }

  async function upload(): Promise<void> {
    const result = await curl(
      ["--data-binary", `@${join(folder, "upload.bin")}`, `http://${link.address}/`],
      120,
    );
    expect(result).toEqual({ code: 0, out: `${SIZE} ${bodySha}` });
  }

  it("downloads 64 MiB intact", download);

  it("uploads 64 MiB intact", upload);

  it.each([1, 5, 10])(
    "downloads and uploads 64 MiB intact with %i percent loss each way",
    async (percent) => {
      const before = { ...link.receiver.stats };
      link.addLoss(percent);
      let dropped: { toKernel: number; fromKernel: number };
      try {
        await download();
        await upload();
        dropped = link.lossCounters();
      } finally {
        link.removeLoss();
      }
      // Both directions really lost packets, and we recovered ours without the RTO doing it all.
      expect(dropped.toKernel).toBeGreaterThan(0);
      expect(dropped.fromKernel).toBeGreaterThan(0);
      const stats = link.receiver.stats;
      expect(stats.fastRetransmissions).toBeGreaterThan(before.fastRetransmissions);
    },
  );

  it("ends with no connection, timer or pool slot left", async () => {
    const receiver = link.receiver;
    expect(await waitFor(() => receiver.connectionCount === 0, 5000)).toBe(true);
    expect(receiver.timers.size).toBe(0);
    expect(receiver.stats.activeConnections).toBe(0);
    expect(link.port.transmitter.pool.stats.inUse).toBe(slotsAtRest);
  });

  it("answers a connection to a port nobody listens on with RST (curl: refused at once)", async () => {
    const started = performance.now();
    const result = await curl([`http://${link.address}:81/`], 10);
    expect(result.code).toBe(7); // curl's "failed to connect"
    expect(performance.now() - started).toBeLessThan(2000);
    expect(link.receiver.stats.refused).toBeGreaterThan(0);
  });
});

describeKernelPeer("NewReno without SACK or timestamps (RFC 6582), under loss", () => {
  let link: KernelPeerLink;
  let folder: string;
  const small = body.subarray(0, 16 << 20);
  const server = http.createServer((_request, response) => response.end(small));

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "magma-tcp-reno-"));
    link = await openKernelPeerLink({
      adapterName: "mgt-reno",
      subnet: 93,
      dispatcher: server,
      tcp: { congestionControl: "newreno", sack: false, timestamps: false, timeWaitMs: 200 },
    });
  });

  afterAll(async () => {
    await link?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("downloads 16 MiB intact with 2 percent loss each way, recovering by fast retransmit", async () => {
    link.addLoss(2);
    const target = join(folder, "download.bin");
    try {
      const result = await curl(
        ["-o", target, "-w", "%{http_code}", `http://${link.address}/`],
        120,
      );
      expect(result).toEqual({ code: 0, out: "200" });
    } finally {
      link.removeLoss();
    }
    expect(sha256(readFileSync(target))).toBe(sha256(small));
    const stats = link.receiver.stats;
    expect(stats.fastRetransmissions).toBeGreaterThan(0);
    expect(stats.recoveries).toBeGreaterThan(0);
    expect(await waitFor(() => link.receiver.connectionCount === 0, 5000)).toBe(true);
  });
});
