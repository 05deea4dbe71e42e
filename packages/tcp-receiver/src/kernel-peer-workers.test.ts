import { once } from "node:events";
import * as http from "node:http";
import { WinTunPort } from "@magma/wintun-native";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeKernelPeer, run } from "./test-support/kernel-peer.js";

const SUBNET = 96;
const ADDRESS = `198.18.${SUBNET}.2`;

/** One request on a connection of its own; resolves with the status and the body. */
function get(): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: ADDRESS, port: 80, path: "/", agent: false }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        body += chunk;
      });
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.setTimeout(10_000, () => request.destroy(new Error("request timed out")));
    request.on("error", reject);
  });
}

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
    const responses = await Promise.all(Array.from({ length: 48 }, () => get()));
    const served = new Set<number>();
    for (const { status, body } of responses) {
      expect(status).toBe(200);
      const match = /^worker (\d) served (\d+)\n$/.exec(body);
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
    const request = http.get({
      host: ADDRESS,
      port: 80,
      path: "/",
      agent: new http.Agent({ keepAlive: true }),
    });
    const [response] = (await once(request, "response")) as [http.IncomingMessage];
    response.resume();
    await port.close();
    expect(pool.stats.inUse).toBe(0);
    request.destroy();
  }, 30_000);
});
