import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import {
  describeKernelPeer,
  type KernelPeerLink,
  openKernelPeerLink,
} from "./test-support/kernel-peer.js";

describeKernelPeer("active open: connect() to the kernel's own servers", () => {
  let link: KernelPeerLink;
  const kernelServer = http.createServer((request, response) => {
    response.end(`hello ${request.socket.remoteAddress} ${request.url}`);
  });
  let kernelPort: number;

  beforeAll(async () => {
    link = await openKernelPeerLink({ adapterName: "mgt-conn", subnet: 81 });
    await new Promise<void>((resolve) => kernelServer.listen(0, link.kernelAddress, resolve));
    kernelPort = (kernelServer.address() as AddressInfo).port;
  });

  afterAll(async () => {
    kernelServer.close();
    await link?.close();
  });

  it("serves http.request through createConnection, with keep-alive reuse by an Agent", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    // http.Agent looks up createConnection on itself; ours opens a connection over the adapter.
    Object.assign(agent, {
      createConnection: (options: { host: string; port: number }) =>
        link.receiver.connect({ host: options.host, port: options.port }),
    });
    const get = (path: string): Promise<string> =>
      new Promise((resolve, reject) => {
        http
          .get({ host: link.kernelAddress, port: kernelPort, path, agent }, (response) => {
            let text = "";
            response.on("data", (chunk: Buffer) => {
              text += chunk.toString();
            });
            response.on("end", () => resolve(text));
          })
          .on("error", reject);
      });
    expect(await get("/one")).toBe(`hello ${link.address} /one`);
    expect(await get("/two")).toBe(`hello ${link.address} /two`);
    expect(link.receiver.stats.activeOpens).toBe(1);
    agent.destroy();
  });

  it("reports ECONNREFUSED when the kernel answers the SYN with RST", async () => {
    const socket = link.receiver.connect({ host: link.kernelAddress, port: 9 });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
      socket.on("error", resolve),
    );
    expect(error.code).toBe("ECONNREFUSED");
    expect(socket.destroyed).toBe(true);
  });

  it("emits connect, exposes addresses and getInfo(), and closes with FIN both ways", async () => {
    const socket = link.receiver.connect({ host: link.kernelAddress, port: kernelPort });
    expect(socket.connecting).toBe(true);
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    expect(socket.connecting).toBe(false);
    expect(socket.remoteAddress).toBe(link.kernelAddress);
    expect(socket.remotePort).toBe(kernelPort);
    expect(socket.localAddress).toBe(link.address);
    expect(socket.remoteFamily).toBe("IPv4");
    const info = socket.getInfo();
    expect(info.state).toBe("ESTABLISHED");
    expect(info.sack).toBe(true);
    expect(info.timestamps).toBe(true);
    socket.end("GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let reply = "";
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
    });
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    expect(reply).toContain(`hello ${link.address} /bye`);
  });

  it("sends what was written and ended before the handshake completed, then FIN", async () => {
    const socket = link.receiver.connect({ host: link.kernelAddress, port: kernelPort });
    socket.end("GET /early HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let reply = "";
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
    });
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    expect(reply).toContain(`hello ${link.address} /early`);
  });

  it("refuses bad arguments with typed errors", () => {
    expect(() => link.receiver.connect({ host: "not-an-address", port: 80 })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    expect(() => link.receiver.connect({ host: link.kernelAddress, port: 0 })).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});

describeKernelPeer("closing the receiver", () => {
  it("fails its open sockets with ECONNABORTED and sends the peer a RST", async () => {
    const link = await openKernelPeerLink({ adapterName: "mgt-close", subnet: 82 });
    const kernelServer = http.createServer(() => {});
    const peerReset = new Promise<string>((resolve) =>
      kernelServer.on("connection", (socket) =>
        socket.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "")),
      ),
    );
    try {
      await new Promise<void>((resolve) => kernelServer.listen(0, link.kernelAddress, resolve));
      const port = (kernelServer.address() as AddressInfo).port;
      const socket = link.receiver.connect({ host: link.kernelAddress, port });
      await new Promise<void>((resolve) => socket.once("connect", resolve));
      const failed = new Promise<NodeJS.ErrnoException>((resolve) => socket.on("error", resolve));
      link.receiver.close();
      expect((await failed).code).toBe("ECONNABORTED");
      expect(await peerReset).toBe("ECONNRESET");
      expect(link.receiver.connectionCount).toBe(0);
    } finally {
      kernelServer.close();
      await link.close();
    }
  });
});
