import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createTransferServer } from "./test-support/http-transfer.js";
import {
  curl,
  describeKernelPeer,
  type KernelPeerLink,
  openKernelPeerLink,
  waitFor,
} from "./test-support/kernel-peer.js";

const SIZE = 16 << 20;
const body = randomBytes(SIZE);
const bodySha = createHash("sha256").update(body).digest("hex");

describeKernelPeer("IPv6: the same receiver over fd6d:6167:6d61::/48", () => {
  let link: KernelPeerLink;
  let folder: string;
  const { server } = createTransferServer(body);
  const kernelServer = http.createServer((request, response) => {
    response.end(`hello ${request.socket.remoteAddress}`);
  });

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), "magma-tcp6-"));
    link = await openKernelPeerLink({
      adapterName: "mgt-ipv6",
      subnet: 90,
      family: 6,
      dispatcher: server,
      tcp: { timeWaitMs: 200 },
    });
  });

  afterAll(async () => {
    kernelServer.close();
    await link?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it("serves curl 16 MiB down and up intact", async () => {
    const target = join(folder, "down.bin");
    const url = `http://[${link.address}]/`;
    const down = await curl(["-g", "-o", target, "-w", "%{http_code}", url], 60);
    expect(down).toEqual({ code: 0, out: "200" });
    expect(createHash("sha256").update(readFileSync(target)).digest("hex")).toBe(bodySha);
    writeFileSync(join(folder, "up.bin"), body);
    const up = await curl(["-g", "--data-binary", `@${join(folder, "up.bin")}`, url], 60);
    expect(up).toEqual({ code: 0, out: `${SIZE} ${bodySha}` });
  });

  it("opens connections to the kernel over IPv6, with the IPv6 MSS (MTU − 60 − timestamps)", async () => {
    await new Promise<void>((resolve) => kernelServer.listen(0, link.kernelAddress, resolve));
    const port = (kernelServer.address() as AddressInfo).port;
    const socket = link.receiver.connect({ host: link.kernelAddress, port });
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    expect(socket.remoteFamily).toBe("IPv6");
    expect(socket.getInfo().sendMss).toBe(1500 - 60 - 12);
    socket.end("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let reply = "";
    socket.on("data", (chunk: Buffer) => {
      reply += chunk.toString();
    });
    await new Promise<void>((resolve) => socket.once("close", () => resolve()));
    expect(reply).toContain(`hello ${link.address}`);
  });

  it("ends with nothing left", async () => {
    expect(await waitFor(() => link.receiver.connectionCount === 0, 5000)).toBe(true);
    expect(link.receiver.timers.size).toBe(0);
  });
});
