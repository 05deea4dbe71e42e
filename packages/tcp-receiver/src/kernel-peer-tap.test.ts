// The same receiver, unchanged, over the TAP-Windows backend: TapPort on an adapter of
// tools/tap-windows-emu (a Linux TAP interface in this run's namespace), Node's http.Server as the
// application and the kernel's TCP as the client. The driver's TUN mode caps packets at its MTU,
// 1500, so the receiver takes that from the transmitter and advertises MSS 1460 (IPv4) and 1440
// (IPv6); every body below spans many segments.
import { randomBytes } from "node:crypto";
import {
  createTapAdapter,
  deleteTapAdapter,
  TapPort,
  type TapTransmitter,
} from "@magma/tap-legacy";
import { internalNativeAddon } from "@magma/wintun-native";
import { afterEach, expect, it } from "vitest";
import type { TcpSocket } from "./tcp-socket.js";
import type { TcpTransportReceiver } from "./tcp-transport-receiver.js";
import { createTransferServer, sha256 } from "./test-support/http-transfer.js";
import { kernelHttpRequest, openKeepAliveRequest } from "./test-support/kernel-http-request.js";
import { describeKernelPeer, tcpReceiverFactory, waitFor } from "./test-support/kernel-peer.js";

const SUBNET = 97;
/** The kernel's addresses on the adapter; TapPort gives them to it (CONFIG_TUN, then IPv6 /128). */
const NETWORK = [`198.18.${SUBNET}.1/24`, `fd6d:6167:6d61:${SUBNET}::1/64`];
/**
 * Our receiver's. IPv4: the driver answers ARP for every other address of the /24; IPv6: the
 * kernel routes the /64 via fe80::8, whose neighbour solicitations the driver answers.
 */
const V4 = `198.18.${SUBNET}.2`;
const V6 = `fd6d:6167:6d61:${SUBNET}::2`;
const MIB = 1 << 20;
const body = randomBytes(3 * MIB);

type TcpTapPort = TapPort<TcpTransportReceiver<TapTransmitter>>;

describeKernelPeer("the TCP receiver over TapPort, with the kernel's TCP as the client", () => {
  const { server } = createTransferServer(body);
  /** Each accepted connection's segment sizes, read as the server gets it (ESTABLISHED). */
  const segmentSizes: { send: number; receive: number }[] = [];
  /** Connections the server had open at once, at most. */
  let open = 0;
  let peakOpen = 0;
  server.on("connection", (socket: TcpSocket) => {
    const info = socket.getInfo();
    segmentSizes.push({ send: info.sendMss, receive: info.receiveMss });
    peakOpen = Math.max(peakOpen, ++open);
    socket.once("close", () => open--);
  });
  const made: string[] = [];
  const ports: TcpTapPort[] = [];

  afterEach(async () => {
    segmentSizes.length = 0;
    peakOpen = 0;
    for (const port of ports.splice(0)) {
      port.receiver.close();
      await port.close();
    }
    for (const guid of made.splice(0)) await deleteTapAdapter(guid);
    expect(internalNativeAddon().liveResources()).toMatchObject({ sessions: 0, tapDevices: 0 });
  });

  /** A fresh adapter named `name` and a TapPort on it serving `server` at `address`:80. */
  async function openPort(name: string, address: string): Promise<TcpTapPort> {
    const adapter = await createTapAdapter(name);
    made.push(adapter.guid);
    const port = await TapPort.create<TcpTransportReceiver<TapTransmitter>>({
      adapterName: name,
      network: { addresses: NETWORK },
      packetReceiverFactory: tcpReceiverFactory({
        address,
        dispatcher: server,
        tcp: { timeWaitMs: 200 },
      }),
    });
    ports.push(port);
    return port;
  }

  it("answers concurrent requests over IPv4, downloads and uploads, every body intact", async () => {
    const port = await openPort("mgt-tap4", V4);
    const slotsAtRest = port.transmitter.pool.stats.inUse;
    // GET /<n> answers the first n MiB of `body`, GET / all of it; POST answers "<bytes> <sha256>".
    const [one, two, all, again, upload, smallUpload] = await Promise.all([
      kernelHttpRequest({ host: V4, path: "/1" }),
      kernelHttpRequest({ host: V4, path: "/2" }),
      kernelHttpRequest({ host: V4 }),
      kernelHttpRequest({ host: V4 }),
      kernelHttpRequest({ host: V4, method: "POST", body }),
      kernelHttpRequest({ host: V4, method: "POST", body: body.subarray(0, 100) }),
    ]);
    for (const answer of [one, two, all, again, upload, smallUpload]) {
      expect(answer.status).toBe(200);
    }
    expect(sha256(one.body)).toBe(sha256(body.subarray(0, MIB)));
    expect(sha256(two.body)).toBe(sha256(body.subarray(0, 2 * MIB)));
    expect(sha256(all.body)).toBe(sha256(body));
    expect(sha256(again.body)).toBe(sha256(body));
    expect(upload.body.toString()).toBe(`${body.length} ${sha256(body)}`);
    expect(smallUpload.body.toString()).toBe(`100 ${sha256(body.subarray(0, 100))}`);
    const receiver = port.receiver;
    expect(receiver.stats.accepted).toBe(6);
    expect(peakOpen).toBeGreaterThan(1);
    // The MSS each way comes from the driver's MTU through the transmitter: 1500 − 40, less the
    // 12 bytes of timestamps on every segment we send (RFC 7323 §3.2).
    expect(receiver.options.mtu).toBe(1500);
    expect(segmentSizes).toEqual(Array(6).fill({ send: 1500 - 40 - 12, receive: 1500 - 40 }));
    // Segmented and acknowledged: at least one segment per MSS of what went each way.
    const downloaded = 9 * MIB;
    expect(receiver.stats.segmentsSent).toBeGreaterThanOrEqual(downloaded / (1500 - 40 - 12));
    expect(receiver.stats.segmentsReceived).toBeGreaterThanOrEqual(body.length / (1500 - 40 - 12));
    expect(port.stats.drops).toMatchObject({ txInvalidPacket: 0, rxPoolExhausted: 0 });
    expect(await waitFor(() => receiver.connectionCount === 0, 5000)).toBe(true);
    expect(receiver.timers.size).toBe(0);
    expect(port.transmitter.pool.stats.inUse).toBe(slotsAtRest);
  });

  it("answers a request over IPv6 (routed via fe80::8), a body of many segments intact", async () => {
    const port = await openPort("mgt-tap6", V6);
    const answer = await kernelHttpRequest({ host: V6, path: "/1" });
    expect(answer.status).toBe(200);
    expect(sha256(answer.body)).toBe(sha256(body.subarray(0, MIB)));
    expect(port.receiver.stats.accepted).toBe(1);
    // IPv6's header is 40 bytes, 20 more than IPv4's.
    expect(segmentSizes).toEqual([{ send: 1500 - 60 - 12, receive: 1500 - 60 }]);
  });

  it("closes with a connection open: no pool slot rented, no session or TAP device left", async () => {
    const port = await openPort("mgt-tapc", V4);
    const pool = port.transmitter.pool;
    const { request } = await openKeepAliveRequest(V4);
    try {
      expect(port.receiver.connectionCount).toBe(1);
      // The port's posted reads hold slots while it runs; closing must hand every one back.
      expect(pool.stats.inUse).toBeGreaterThan(0);
      await port.close();
      expect(pool.stats.inUse).toBe(0);
      expect(internalNativeAddon().liveResources()).toMatchObject({ sessions: 0, tapDevices: 0 });
    } finally {
      request.destroy();
    }
  });
});
