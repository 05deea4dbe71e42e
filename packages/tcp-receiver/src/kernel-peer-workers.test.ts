import { WinTunPort } from "@magma/wintun-native";
import { afterAll, beforeAll, expect, it } from "vitest";
import { kernelHttpRequest, openKeepAliveRequest } from "./test-support/kernel-http-request.js";
import { describeKernelPeer, run } from "./test-support/kernel-peer.js";

const SUBNET = 96;
const ADDRESS = `198.18.${SUBNET}.2`;

describeKernelPeer("the TCP receiver on a port's workers", () => {
  let port: WinTunPort<never>;

  beforeAll(async () => {
    // The workers' receiver module reads its endpoint from the environment they inherit.
    process.env.MAGMA_TEST_WORKER_TCP_ADDRESS = ADDRESS;
    port = await WinTunPort.create({
      adapterName: "mgt-workers",
      workers: {
        count: 2,
        receiverModule: new URL("./test-support/http-worker-receiver.mjs", import.meta.url),
      },
    });
    run("sysctl", ["-qw", "net.ipv6.conf.mgt-workers.disable_ipv6=1"]);
    await port.adapter.configure({ addresses: [`198.18.${SUBNET}.1/24`] });
  });

  afterAll(async () => {
    await port?.close();
    delete process.env.MAGMA_TEST_WORKER_TCP_ADDRESS;
  });

  it("serves http.Server on every worker, each connection wholly by the worker that owns its flow", async () => {
    // 48 connections at once from the kernel's TCP, each from a port of its own. Every one must
    // complete: a segment steered to a worker that does not own its connection would be answered
    // with a RST, failing that request.
    const responses = await Promise.all(
      Array.from({ length: 48 }, () => kernelHttpRequest({ host: ADDRESS })),
    );
    const served = new Set<number>();
    for (const { status, body } of responses) {
      expect(status).toBe(200);
      const match = /^worker (\d) served (\d+)\n$/.exec(body.toString("utf8"));
      expect(match).not.toBeNull();
      served.add(Number(match?.[1]));
    }
    // Both workers served some (all 48 on one has a chance of 2^-47).
    expect([...served].sort()).toEqual([0, 1]);
    const workers = port.stats.workers ?? [];
    for (const worker of workers) {
      expect(worker.running).toBe(true);
      expect(worker.receiverErrors + worker.queueFull + worker.lost).toBe(0);
    }
  }, 30_000);

  it("closes with connections open and leaves no slot rented", async () => {
    const pool = port.session.pool;
    const { request } = await openKeepAliveRequest(ADDRESS);
    await port.close();
    expect(pool.stats.inUse).toBe(0);
    request.destroy();
  }, 30_000);
});
