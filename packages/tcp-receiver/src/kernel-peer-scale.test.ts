import * as http from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  holdKernelConnections,
  type KernelClientReport,
  runKernelRequests,
} from "./test-support/kernel-client-process.js";
import {
  describeKernelPeer,
  type KernelPeerLink,
  openKernelPeerLink,
  waitFor,
} from "./test-support/kernel-peer.js";

/** Answers `GET /<n>` with `ok /<n>`; idle keep-alive connections are never timed out. */
function createCountingServer(): http.Server {
  const server = http.createServer((request, response) => response.end(`ok ${request.url}`));
  server.keepAliveTimeout = 0;
  return server;
}

/** Opens a link on subnet 86 and remembers the pool slots the port holds before any traffic. */
async function openScaleLink(
  adapterName: string,
  server: http.Server,
  tcp: { timeWaitMs: number; maxConnections?: number },
): Promise<{ link: KernelPeerLink; slotsAtRest: number }> {
  const link = await openKernelPeerLink({ adapterName, subnet: 86, dispatcher: server, tcp });
  return { link, slotsAtRest: link.port.transmitter.pool.stats.inUse };
}

/** No connection (once TIME-WAIT has passed), timer or pool slot is left. */
async function expectNothingLeft(link: KernelPeerLink, slotsAtRest: number): Promise<void> {
  const receiver = link.receiver;
  const drained = await waitFor(
    () => receiver.connectionCount === 0,
    receiver.options.timeWaitMs + 5000,
  );
  expect(
    { drained, connections: receiver.connectionCount },
    JSON.stringify(receiver.stats),
  ).toEqual({ drained: true, connections: 0 });
  expect(receiver.timers.size).toBe(0);
  expect(receiver.stats.activeConnections).toBe(0);
  expect(receiver.stats.timeWaitConnections).toBe(0);
  expect(link.port.transmitter.pool.stats.inUse).toBe(slotsAtRest);
}

function expectAllAnswered(report: KernelClientReport, count: number): void {
  expect({ ok: report.ok, failed: report.failed, errors: report.errors }).toEqual({
    ok: count,
    failed: 0,
    errors: {},
  });
}

describeKernelPeer("many kernel clients against an http.Server over the receiver", () => {
  let link: KernelPeerLink;
  let slotsAtRest: number;
  const server = createCountingServer();

  beforeAll(async () => {
    ({ link, slotsAtRest } = await openScaleLink("mgt-scale", server, { timeWaitMs: 500 }));
  });

  afterAll(async () => {
    await link?.close();
  });

  it("answers 1,000 concurrent connections, each one request and close", async () => {
    const acceptedBefore = link.receiver.stats.accepted;
    let open = 0;
    let peak = 0;
    const track = (socket: NodeJS.EventEmitter): void => {
      peak = Math.max(peak, ++open);
      socket.once("close", () => open--);
    };
    server.on("connection", track);
    const report = await runKernelRequests({
      host: link.address,
      port: 80,
      count: 1000,
      deadlineMs: 30_000,
    }).finally(() => server.off("connection", track));
    console.log(
      `1,000 concurrent connections: ${report.ms} ms, at most ${peak} open at once`,
      JSON.stringify(link.receiver.stats),
    );
    expectAllAnswered(report, 1000);
    // They overlapped: far more than a handful were open at the same time.
    expect(peak).toBeGreaterThan(100);
    expect(link.receiver.stats.accepted - acceptedBefore).toBe(1000);
    await expectNothingLeft(link, slotsAtRest);
  });

  it("answers 10,000 sequential short connections within the time bound", async () => {
    const acceptedBefore = link.receiver.stats.accepted;
    const report = await runKernelRequests({
      host: link.address,
      port: 80,
      count: 10_000,
      parallel: 1,
      deadlineMs: 40_000,
    });
    console.log(
      `10,000 sequential connections: ${report.ms} ms (${((report.ms * 1000) / 10_000).toFixed(0)} µs each)`,
      JSON.stringify(link.receiver.stats),
    );
    expectAllAnswered(report, 10_000);
    expect(link.receiver.stats.accepted - acceptedBefore).toBe(10_000);
    await expectNothingLeft(link, slotsAtRest);
  });

  it("holds 10,000 idle keep-alive connections with no timer, no segment and near-zero CPU", async () => {
    const receiver = link.receiver;
    const held = await holdKernelConnections({
      host: link.address,
      port: 80,
      count: 10_000,
      parallel: 500,
      deadlineMs: 30_000,
    });
    try {
      expectAllAnswered(held.ready, 10_000);
      expect(receiver.connectionCount).toBe(10_000);
      // Once the last delayed ACKs are out, an idle connection has no deadline at all.
      const settled = await waitFor(() => receiver.timers.size === 0, 5000);
      const timersIdle = receiver.timers.size;
      const segmentsBefore = receiver.stats.segmentsSent + receiver.stats.segmentsReceived;
      let timersPeak = 0;
      const sampler = setInterval(() => {
        timersPeak = Math.max(timersPeak, receiver.timers.size);
      }, 50);
      const cpuBefore = process.cpuUsage();
      const wallBefore = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const cpu = process.cpuUsage(cpuBefore);
      const wall = performance.now() - wallBefore;
      clearInterval(sampler);
      const share = (cpu.user + cpu.system) / 1000 / wall;
      console.log(
        `10,000 idle connections: opened in ${held.ready.ms} ms, timer heap ${timersIdle} ` +
          `(peak ${timersPeak} while idle), CPU over ${wall.toFixed(0)} ms idle ` +
          `${(share * 100).toFixed(2)} % of a core`,
        JSON.stringify(receiver.stats),
      );
      expect({ settled, timersIdle, timersPeak }).toEqual({
        settled: true,
        timersIdle: 0,
        timersPeak: 0,
      });
      expect(share).toBeLessThan(0.05);
      expect(receiver.stats.segmentsSent + receiver.stats.segmentsReceived).toBe(segmentsBefore);
      expect(receiver.connectionCount).toBe(10_000);
      const closed = await held.close();
      console.log(`10,000 idle connections closed in ${closed.closeMs} ms`);
      expect(closed.event).toBe("closed");
    } finally {
      held.kill();
    }
    await expectNothingLeft(link, slotsAtRest);
  });
});

describeKernelPeer("the connection cap (maxConnections: 50)", () => {
  let link: KernelPeerLink;
  let slotsAtRest: number;
  const server = createCountingServer();

  beforeAll(async () => {
    ({ link, slotsAtRest } = await openScaleLink("mgt-scale-cap", server, {
      timeWaitMs: 500,
      maxConnections: 50,
    }));
  });

  afterAll(async () => {
    await link?.close();
  });

  it("refuses the 51st concurrent connection with RST (ECONNREFUSED) and counts it", async () => {
    const receiver = link.receiver;
    const held = await holdKernelConnections({
      host: link.address,
      port: 80,
      count: 50,
      deadlineMs: 10_000,
    });
    try {
      expectAllAnswered(held.ready, 50);
      expect(receiver.connectionCount).toBe(50);
      const refusedBefore = receiver.stats.refused;
      const resetsBefore = receiver.stats.resetsSent;
      const extra = await runKernelRequests({
        host: link.address,
        port: 80,
        count: 1,
        deadlineMs: 10_000,
      });
      expect({ ok: extra.ok, errors: extra.errors }).toEqual({
        ok: 0,
        errors: { ECONNREFUSED: 1 },
      });
      // A RST, not a SYN left unanswered: the kernel gives up at once, not after its retries.
      expect(extra.ms).toBeLessThan(2000);
      expect(receiver.stats.refused - refusedBefore).toBe(1);
      expect(receiver.stats.resetsSent - resetsBefore).toBe(1);
      expect(receiver.connectionCount).toBe(50);
      const closed = await held.close();
      expect(closed.event).toBe("closed");
    } finally {
      held.kill();
    }
    // Below the cap again, a connection is served.
    expect(
      await waitFor(() => receiver.connectionCount - receiver.stats.timeWaitConnections === 0),
    ).toBe(true);
    expectAllAnswered(
      await runKernelRequests({ host: link.address, port: 80, count: 1, deadlineMs: 10_000 }),
      1,
    );
    await expectNothingLeft(link, slotsAtRest);
  });
});
