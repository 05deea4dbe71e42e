import { createHash, randomBytes } from "node:crypto";
import * as net from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { TcpSocket } from "./tcp-socket.js";
import {
  describeKernelPeer,
  type KernelPeerLink,
  openKernelPeerLink,
  run,
  waitFor,
} from "./test-support/kernel-peer.js";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const sha256 = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** `promise`, or a rejection naming `what` after `ms`, so a stuck test fails instead of hanging. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Drops every packet on the adapter both ways (netdev ingress and egress): the kernel goes silent. */
function silence(name: string): { dropped(): number; remove(): void } {
  const table = `silence_${name.replace(/[^a-z0-9]/gi, "_")}`;
  run(
    "nft",
    ["-f", "-"],
    `table netdev ${table} {\n chain in {\n  type filter hook ingress device "${name}" priority 0;\n  counter drop\n }\n chain out {\n  type filter hook egress device "${name}" priority 0;\n  counter drop\n }\n}\n`,
  );
  return {
    dropped: () => {
      const listing = run("nft", ["list", "table", "netdev", table]);
      return Number(/counter packets (\d+)/.exec(listing)?.[1] ?? 0);
    },
    remove: () => run("nft", ["delete", "table", "netdev", table]),
  };
}

describeKernelPeer("TcpSocket against the kernel's own sockets", () => {
  let link: KernelPeerLink;
  /** Sockets our receiver accepted on port 80, in order. */
  const accepted: TcpSocket[] = [];
  /** Sockets the kernel's server accepted, in order. */
  const kernelAccepted: net.Socket[] = [];
  const kernelServer = net.createServer((socket) => {
    socket.on("error", () => {});
    kernelAccepted.push(socket);
  });
  let kernelPort: number;
  /** Everything this suite opens, destroyed at the end whatever happened. */
  const opened: { destroy(): void }[] = [];

  beforeAll(async () => {
    link = await openKernelPeerLink({
      adapterName: "mgt-sock",
      subnet: 91,
      dispatcher: (socket) => {
        socket.on("error", () => {});
        opened.push(socket);
        accepted.push(socket);
      },
      tcp: {
        keepaliveIntervalMs: 200,
        keepaliveProbes: 2,
        synRetries: 1,
        sendBufferSize: 16 * 1024,
        timeWaitMs: 100,
      },
    });
    await new Promise<void>((resolve) => kernelServer.listen(0, link.kernelAddress, resolve));
    kernelPort = (kernelServer.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    for (const s of opened) s.destroy();
    for (const s of kernelAccepted) s.destroy();
    kernelServer.close();
    await link?.close();
  });

  /** A kernel socket bound to the kernel's address, connected to our receiver. */
  function kernelConnect(port: number): net.Socket {
    const socket = net.connect({ host: link.address, port, localAddress: link.kernelAddress });
    opened.push(socket);
    return socket;
  }

  /** Our socket connected to the kernel's server, with the kernel's side of it. */
  async function connectToKernel(): Promise<{ ours: TcpSocket; theirs: net.Socket }> {
    const before = kernelAccepted.length;
    const ours = link.receiver.connect({ host: link.kernelAddress, port: kernelPort });
    opened.push(ours);
    await new Promise<void>((resolve, reject) => {
      ours.once("connect", resolve);
      ours.once("error", reject);
    });
    expect(await waitFor(() => kernelAccepted.length > before)).toBe(true);
    const theirs = kernelAccepted[kernelAccepted.length - 1] as net.Socket;
    return { ours, theirs };
  }

  /** A kernel client connected to our port 80, with the socket our receiver accepted for it. */
  async function acceptFromKernel(): Promise<{ ours: TcpSocket; theirs: net.Socket }> {
    const before = accepted.length;
    const theirs = kernelConnect(80);
    await new Promise<void>((resolve, reject) => {
      theirs.once("connect", resolve);
      theirs.once("error", reject);
    });
    expect(await waitFor(() => accepted.length > before)).toBe(true);
    return { ours: accepted[accepted.length - 1] as TcpSocket, theirs };
  }

  it("setTimeout(ms) emits timeout after idle time, not while data flows; setTimeout(0) cancels", async () => {
    const { ours, theirs } = await acceptFromKernel();
    ours.resume();
    // Idle: one "timeout" after about 300 ms, and the socket stays open (as net.Socket).
    let timeouts = 0;
    ours.on("timeout", () => timeouts++);
    const start = performance.now();
    ours.setTimeout(300);
    expect(ours.timeout).toBe(300);
    expect(await waitFor(() => timeouts > 0, 3000)).toBe(true);
    const idleFor = performance.now() - start;
    expect(idleFor).toBeGreaterThanOrEqual(280);
    expect(idleFor).toBeLessThan(1500);
    expect(ours.destroyed).toBe(false);

    // Data every 100 ms for 1.2 s, each way: no "timeout".
    timeouts = 0;
    ours.setTimeout(300);
    for (let i = 0; i < 12; i++) {
      theirs.write("tick");
      ours.write("tock");
      await sleep(100);
    }
    expect(timeouts).toBe(0);

    // setTimeout(0) turns it off: nothing for three times the old timeout.
    ours.setTimeout(0);
    expect(ours.timeout).toBe(0);
    await sleep(900);
    expect(timeouts).toBe(0);

    // The callback form registers a one-shot listener.
    const viaCallback = new Promise<void>((resolve) => ours.setTimeout(200, resolve));
    await viaCallback;
    ours.setTimeout(0);
    theirs.end();
    ours.end();
    await within(
      new Promise<void>((resolve) => ours.once("close", () => resolve())),
      5000,
      "close",
    );
  });

  it("setKeepAlive keeps an idle connection up while the kernel answers probes, and fails with ETIMEDOUT once it is gone", async () => {
    const { ours, theirs } = await connectToKernel();
    ours.resume();
    theirs.resume();
    const probesBefore = link.receiver.stats.keepaliveProbesSent;
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => ours.once("error", resolve));
    ours.setKeepAlive(true, 1000);
    // 2.5 s idle: probes after 1 s; the kernel answers them, so the 2-probe limit is never hit.
    await sleep(2500);
    const answered = link.receiver.stats.keepaliveProbesSent - probesBefore;
    expect(answered).toBeGreaterThanOrEqual(2);
    expect(ours.destroyed).toBe(false);
    expect(ours.getInfo().state).toBe("ESTABLISHED");

    // The kernel goes silent: everything on the adapter is dropped both ways.
    const start = performance.now();
    const silenced = silence("mgt-sock");
    try {
      const error = await within(failed, 5000, "ETIMEDOUT after silence");
      expect(error.code).toBe("ETIMEDOUT");
      // At most idle (1 s) + 2 probes at 200 ms, plus slack.
      expect(performance.now() - start).toBeLessThan(3000);
      expect(link.receiver.stats.keepaliveProbesSent - probesBefore).toBeGreaterThan(answered);
      expect(ours.destroyed).toBe(true);
      // Our probes reached the adapter and were dropped before the kernel's TCP saw them.
      expect(silenced.dropped()).toBeGreaterThanOrEqual(2);
    } finally {
      silenced.remove();
    }
    theirs.destroy();
  });

  it("resetAndDestroy() sends a RST: the kernel's socket sees ECONNRESET", async () => {
    const { ours, theirs } = await connectToKernel();
    const resetsBefore = link.receiver.stats.resetsSent;
    const peerError = new Promise<NodeJS.ErrnoException>((resolve) => {
      theirs.removeAllListeners("error");
      theirs.once("error", resolve);
    });
    theirs.resume();
    ours.write("some bytes first");
    await waitFor(() => theirs.bytesRead > 0);
    const closed = new Promise<void>((resolve) => ours.once("close", () => resolve()));
    ours.resetAndDestroy();
    await closed;
    expect(ours.destroyed).toBe(true);
    expect((await peerError).code).toBe("ECONNRESET");
    expect(link.receiver.stats.resetsSent).toBeGreaterThan(resetsBefore);
  });

  it("applies backpressure: write() returns false while the kernel does not read, drain follows once it does, bytes intact", async () => {
    const { ours, theirs } = await within(connectToKernel(), 5000, "connect");
    ours.resume();
    // The kernel side stops reading: its receive buffer fills and its window closes.
    theirs.pause();
    const received: Buffer[] = [];
    theirs.on("data", (chunk: Buffer) => received.push(chunk));
    const payload = randomBytes(4 * 1024 * 1024);
    const chunkSize = 64 * 1024;
    let offset = 0;
    let falseReturns = 0;
    let drains = 0;
    ours.on("drain", () => drains++);
    let waitingForDrain = false;
    const writer = (async () => {
      while (offset < payload.length) {
        const chunk = payload.subarray(offset, offset + chunkSize);
        offset += chunk.length;
        if (!ours.write(chunk)) {
          falseReturns++;
          waitingForDrain = true;
          await new Promise<void>((resolve) => ours.once("drain", resolve));
          waitingForDrain = false;
        }
      }
      ours.end();
    })();
    await sleep(1000);
    // Stalled: the writer waits for "drain", well short of the payload.
    expect(falseReturns).toBeGreaterThan(0);
    expect(waitingForDrain).toBe(true);
    expect(offset).toBeLessThan(payload.length);
    const stalledAt = offset;
    await sleep(300);
    expect(offset).toBe(stalledAt);
    expect(ours.getInfo().state).toBe("ESTABLISHED");

    // The kernel reads again: "drain" follows and everything arrives.
    const ended = new Promise<void>((resolve) => theirs.once("end", resolve));
    theirs.resume();
    await within(writer, 10_000, `drain after resume (written ${offset}, drains ${drains})`);
    await within(ended, 10_000, `end at the kernel (received ${Buffer.concat(received).length})`);
    expect(drains).toBeGreaterThan(0);
    const data = Buffer.concat(received);
    expect(data.length).toBe(payload.length);
    expect(sha256(data)).toBe(sha256(payload));
    theirs.end();
    await within(
      new Promise<void>((resolve) => ours.once("close", () => resolve())),
      5000,
      "close",
    );
  });

  it("connect() to an address on the link that never answers fails with ETIMEDOUT after the SYN retries", async () => {
    const start = performance.now();
    const socket = link.receiver.connect({ host: "198.18.91.77", port: 80 });
    opened.push(socket);
    expect(socket.connecting).toBe(true);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
      socket.once("error", resolve),
    );
    const elapsed = performance.now() - start;
    expect(error.code).toBe("ETIMEDOUT");
    // synRetries 1: the SYN at 0, again at 1 s, and the give-up 2 s later.
    expect(elapsed).toBeGreaterThan(2500);
    expect(elapsed).toBeLessThan(4500);
    expect(socket.destroyed).toBe(true);
    expect(socket.connecting).toBe(false);
  });

  it("listen(port) adds a port, its close() stops it, and a second listen on the port is ADDRESS_IN_USE", async () => {
    const extra: TcpSocket[] = [];
    const handle = link.receiver.listen(8080, (socket) => {
      socket.on("error", () => {});
      opened.push(socket);
      extra.push(socket);
      socket.end("hello from 8080");
    });
    try {
      expect(() => link.receiver.listen(8080, () => {})).toThrow(
        expect.objectContaining({ code: "ADDRESS_IN_USE" }),
      );
      expect(() => link.receiver.listen(80, () => {})).toThrow(
        expect.objectContaining({ code: "ADDRESS_IN_USE" }),
      );
      const client = kernelConnect(8080);
      let text = "";
      client.on("data", (chunk: Buffer) => {
        text += chunk.toString();
      });
      await new Promise<void>((resolve, reject) => {
        client.once("end", resolve);
        client.once("error", reject);
      });
      client.end();
      expect(text).toBe("hello from 8080");
      expect(extra).toHaveLength(1);
      expect(extra[0]?.localPort).toBe(8080);
    } finally {
      handle.close();
    }
    // Closed: the next SYN to 8080 gets a RST.
    const refused = kernelConnect(8080);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
      refused.once("error", resolve),
    );
    expect(error.code).toBe("ECONNREFUSED");
    expect(extra).toHaveLength(1);
    // And the port can be listened on again.
    link.receiver.listen(8080, () => {}).close();
  });

  it("leaves no connection and no timer behind", async () => {
    for (const s of opened) s.destroy();
    expect(await waitFor(() => link.receiver.connectionCount === 0, 5000)).toBe(true);
    expect(await waitFor(() => link.receiver.timers.size === 0, 2000)).toBe(true);
  });
});

describeKernelPeer("transparent mode", () => {
  it("accepts the kernel's connections to any routed address and port, with the original destination as the local address", async () => {
    const accepted: TcpSocket[] = [];
    const link = await openKernelPeerLink({
      adapterName: "mgt-sock-t",
      subnet: 94,
      dispatcher: (socket) => {
        socket.on("error", () => {});
        accepted.push(socket);
        socket.end(`you reached ${socket.localAddress}:${socket.localPort}`);
      },
      tcp: { transparent: true, timeWaitMs: 100 },
    });
    const clients: net.Socket[] = [];
    try {
      run("ip", ["route", "add", "198.18.92.0/24", "dev", "mgt-sock-t"]);
      const targets: [string, number][] = [
        ["198.18.92.7", 4321],
        ["198.18.92.200", 22],
        ["198.18.94.9", 80],
      ];
      for (const [host, port] of targets) {
        const client = net.connect({ host, port, localAddress: link.kernelAddress });
        clients.push(client);
        let text = "";
        client.on("data", (chunk: Buffer) => {
          text += chunk.toString();
        });
        await new Promise<void>((resolve, reject) => {
          client.once("end", resolve);
          client.once("error", reject);
        });
        client.end();
        expect(text).toBe(`you reached ${host}:${port}`);
        const socket = accepted[accepted.length - 1] as TcpSocket;
        expect(socket.localAddress).toBe(host);
        expect(socket.localPort).toBe(port);
        expect(socket.remoteAddress).toBe(link.kernelAddress);
        expect(socket.remotePort).toBe(client.localPort);
      }
      expect(accepted).toHaveLength(targets.length);
      for (const s of accepted) s.destroy();
      expect(await waitFor(() => link.receiver.connectionCount === 0, 5000)).toBe(true);
      expect(await waitFor(() => link.receiver.timers.size === 0, 2000)).toBe(true);
    } finally {
      for (const c of clients) c.destroy();
      for (const s of accepted) s.destroy();
      await link.close();
    }
  });
});
