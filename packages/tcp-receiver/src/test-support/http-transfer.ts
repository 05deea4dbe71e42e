import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { TcpConnectionInfo } from "../tcp-info.js";
import type { TcpSocket } from "../tcp-socket.js";
import type { TcpStatistics } from "../tcp-statistics.js";
import { curl, type KernelPeerLink, openKernelPeerLink, run, waitFor } from "./kernel-peer.js";

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function fileSha256(path: string): string {
  return sha256(readFileSync(path));
}

/**
 * The request handler of the transfer servers: GET /<n> answers the first n MiB of `body` (GET /
 * all of it); POST answers "<bytes> <sha256>" of what it received. For http and https servers.
 */
export function transferHandler(
  body: Uint8Array,
): (request: http.IncomingMessage, response: http.ServerResponse) => void {
  return (request, response) => {
    if (request.method === "POST") {
      const hash = createHash("sha256");
      let received = 0;
      request.on("data", (chunk: Buffer) => {
        received += chunk.length;
        hash.update(chunk);
      });
      request.on("end", () => response.end(`${received} ${hash.digest("hex")}`));
      return;
    }
    const mebibytes = Number((request.url ?? "/").slice(1));
    response.end(mebibytes > 0 ? body.subarray(0, mebibytes << 20) : body);
  };
}

/**
 * An http.Server with `transferHandler(body)`. `lastSocket()` is the socket of the latest
 * connection it accepted, for `getInfo()` while a transfer runs.
 */
export function createTransferServer(body: Uint8Array): {
  readonly server: http.Server;
  lastSocket(): TcpSocket | undefined;
} {
  let last: TcpSocket | undefined;
  const server = http.createServer(transferHandler(body));
  // The receiver hands each accepted TcpSocket to the server with emit("connection").
  server.on("connection", (socket: TcpSocket) => {
    last = socket;
  });
  return { server, lastSocket: () => last };
}

/**
 * What each fault test sets up: a transfer server for `body` on a kernel-peer link with a short
 * TIME-WAIT and a deep kernel queue, a folder holding `body` as upload.bin, and the pool's slots
 * at rest before any traffic.
 */
export class TransferFixture {
  readonly server: http.Server;
  readonly lastSocket: () => TcpSocket | undefined;
  link!: KernelPeerLink;
  folder!: string;
  slotsAtRest = 0;

  constructor(
    readonly body: Uint8Array,
    readonly adapterName: string,
    readonly subnet: number,
  ) {
    const transfer = createTransferServer(body);
    this.server = transfer.server;
    this.lastSocket = transfer.lastSocket;
  }

  async open(): Promise<void> {
    this.folder = mkdtempSync(join(tmpdir(), `magma-${this.adapterName}-`));
    writeFileSync(join(this.folder, "upload.bin"), this.body);
    this.link = await openKernelPeerLink({
      adapterName: this.adapterName,
      subnet: this.subnet,
      dispatcher: this.server,
      tcp: { timeWaitMs: 200 },
    });
    deepenKernelQueue(this.adapterName);
    this.slotsAtRest = this.link.port.transmitter.pool.stats.inUse;
  }

  async close(): Promise<void> {
    await this.link?.close();
    if (this.folder !== undefined) rmSync(this.folder, { recursive: true, force: true });
  }
}

/** What the kernel's `ss -ti` says about its end of a connection (fields it did not print are 0). */
export interface KernelSocketInfo {
  readonly rttMs: number;
  readonly cwnd: number;
  readonly segsOut: number;
  readonly segsIn: number;
  /** Segments it retransmitted over the connection's life (`retrans:<now>/<total>`). */
  readonly retransmits: number;
  /** Segments it received out of order. */
  readonly outOfOrderReceived: number;
}

/** `ss -ti` for the kernel's connection to `address` (the receiver), if there is one. */
export function kernelSocketInfo(address: string): KernelSocketInfo | undefined {
  const listing = run("ss", ["-tinH", "state", "established", "dst", address]);
  if (!listing.includes("rtt:")) return undefined;
  const field = (pattern: RegExp) => Number(pattern.exec(listing)?.[1] ?? 0);
  return {
    rttMs: field(/\brtt:([\d.]+)/),
    cwnd: field(/\bcwnd:(\d+)/),
    segsOut: field(/\bsegs_out:(\d+)/),
    segsIn: field(/\bsegs_in:(\d+)/),
    retransmits: field(/\bretrans:\d+\/(\d+)/),
    outOfOrderReceived: field(/\brcv_ooopack:(\d+)/),
  };
}

/** What one curl transfer took, and what both ends reported while it ran. */
export interface TransferResult {
  readonly curl: { code: number; out: string };
  readonly seconds: number;
  readonly megabitsPerSecond: number;
  /** `getInfo()` of the serving socket, every 50 ms while the transfer ran. */
  readonly samples: readonly TcpConnectionInfo[];
  /** The kernel's `ss -ti` of curl's socket, every 250 ms while the transfer ran. */
  readonly kernelSamples: readonly KernelSocketInfo[];
}

export interface TransferOptions {
  /** curl's arguments (after `-sS --max-time`). */
  readonly args: readonly string[];
  /** Payload bytes, for the throughput. */
  readonly bytes: number;
  readonly timeoutSeconds: number;
  /** The socket the server accepted last (`createTransferServer`). */
  readonly lastSocket: () => TcpSocket | undefined;
  /** The receiver's address, to find curl's socket with `ss`. */
  readonly address: string;
}

/**
 * Runs curl with a time limit, sampling the `getInfo()` of the connection the server accepts
 * meanwhile, and the kernel's view of the same connection.
 */
export async function timedCurl(options: TransferOptions): Promise<TransferResult> {
  const before = options.lastSocket();
  const samples: TcpConnectionInfo[] = [];
  const kernelSamples: KernelSocketInfo[] = [];
  let ticks = 0;
  const sampler = setInterval(() => {
    const socket = options.lastSocket();
    if (socket === undefined || socket === before || socket.destroyed) return;
    samples.push(socket.getInfo());
    if (ticks++ % 5 !== 0) return;
    const kernel = kernelSocketInfo(options.address);
    if (kernel !== undefined) kernelSamples.push(kernel);
  }, 50);
  const started = performance.now();
  try {
    const result = await curl(options.args, options.timeoutSeconds);
    const seconds = (performance.now() - started) / 1000;
    const megabitsPerSecond = (options.bytes * 8) / seconds / 1e6;
    return { curl: result, seconds, megabitsPerSecond, samples, kernelSamples };
  } finally {
    clearInterval(sampler);
  }
}

/** One line for the test log: time, throughput and what getInfo() said along the way. */
export function describeTransfer(label: string, result: TransferResult): string {
  const samples = result.samples;
  const last = samples.at(-1);
  const most = (pick: (info: TcpConnectionInfo) => number) => Math.max(0, ...samples.map(pick));
  return (
    `${label}: ${result.seconds.toFixed(2)} s, ${result.megabitsPerSecond.toFixed(1)} Mb/s; ` +
    `srtt median ${median(samples.map((s) => s.rttMs)).toFixed(1)} ms, ` +
    `min rtt ${last?.minRttMs.toFixed(1)} ms, rto ${last?.rtoMs.toFixed(0)} ms, ` +
    `cwnd median/max ${median(samples.map((s) => s.cwnd))}/${most((s) => s.cwnd)} B, ` +
    `in flight max ${most((s) => s.bytesInFlight)} B, ` +
    `our window median ${median(samples.map((s) => s.receiveWindow))} B, ` +
    `retransmits ${last?.retransmits}, ${samples.length} samples; kernel: srtt median ` +
    `${median(result.kernelSamples.map((k) => k.rttMs)).toFixed(1)} ms, cwnd median ` +
    `${median(result.kernelSamples.map((k) => k.cwnd))} segments, retransmits ` +
    `${result.kernelSamples.at(-1)?.retransmits ?? 0}`
  );
}

/** The kernel's TCP counters in this namespace (`nstat -asz`: absolute, history untouched). */
export function kernelTcpCounters(): Record<string, number> {
  const counters: Record<string, number> = {};
  for (const line of run("nstat", ["-asz"]).split("\n")) {
    const match = /^(\S+)\s+(\d+)/.exec(line);
    if (match !== null) counters[match[1]!] = Number(match[2]);
  }
  return counters;
}

/** Kernel counters of packets it dropped on the way in (namespace-wide), for the test log. */
export const KERNEL_DROP_COUNTERS = [
  "TcpExtTCPBacklogDrop",
  "TcpExtTCPRcvQDrop",
  "TcpExtTCPOFODrop",
  "TcpExtTCPRcvPruned",
  "TcpExtTCPZeroWindowDrop",
  "TcpExtTCPMinTTLDrop",
  "IpInDiscards",
  "TcpInErrs",
];

/**
 * Lets the kernel queue 10,000 packets for the adapter instead of 500. The emulator drains that
 * queue from its own threads; on a busy 2-CPU machine it sometimes lags behind a burst, and the
 * kernel then drops packets toward us (the adapter's TX dropped counter, some hundreds in a
 * 64 MiB transfer), which would be loss that no test asked for.
 */
export function deepenKernelQueue(adapterName: string): void {
  run("ip", ["link", "set", "dev", adapterName, "txqueuelen", "10000"]);
}

/** The adapter's packet and drop counters as the kernel counts them (`ip -s link`). */
export function interfaceCounters(name: string): { rx: number[]; tx: number[] } {
  const lines = run("ip", ["-s", "link", "show", "dev", name]).split("\n");
  const numbers = (index: number) => (lines[index] ?? "").trim().split(/\s+/).map(Number);
  const rx = lines.findIndex((line) => line.trim().startsWith("RX:"));
  const tx = lines.findIndex((line) => line.trim().startsWith("TX:"));
  // RX: bytes packets errors dropped missed mcast / TX: bytes packets errors dropped carrier ...
  return { rx: numbers(rx + 1), tx: numbers(tx + 1) };
}

/** `after - before` for the named counters. */
export function counterDelta(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
  names: readonly string[],
): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const name of names) delta[name] = (after[name] ?? 0) - (before[name] ?? 0);
  return delta;
}

/** The receiver's counters that moved since `before`. */
export function statsDelta(
  before: Readonly<TcpStatistics>,
  after: Readonly<TcpStatistics>,
): Partial<Record<keyof TcpStatistics, number>> {
  const delta: Partial<Record<keyof TcpStatistics, number>> = {};
  for (const name of Object.keys(after) as (keyof TcpStatistics)[]) {
    const moved = after[name] - (before[name] ?? 0);
    if (moved !== 0) delta[name] = moved;
  }
  return delta;
}

/** The median of `values` (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Nothing left behind: every connection gone once its (short) TIME-WAIT ended, no timer, and the
 * pool back to the slots the port keeps rented for receiving.
 */
export async function expectNothingLeft(link: KernelPeerLink, slotsAtRest: number): Promise<void> {
  const receiver = link.receiver;
  expect(await waitFor(() => receiver.connectionCount === 0, 5000)).toBe(true);
  expect(receiver.timers.size).toBe(0);
  expect(receiver.stats.activeConnections).toBe(0);
  expect(receiver.stats.timeWaitConnections).toBe(0);
  expect(link.port.transmitter.pool.stats.inUse).toBe(slotsAtRest);
}

/**
 * getInfo() (and the kernel's `ss`) as they should read on a path of `rttMs`: the delay is the
 * floor, and the smoothed RTT stays near it (queues while a window fills add some, so up to twice
 * the delay). The RTO is SRTT + 4·RTTVAR floored at 200 ms (RFC 6298): at least 200 ms, and below
 * the 1 s initial value (RTT samples that jump while a queue fills can lift it to 400-500 ms).
 * Only the sender has RTT samples all along: when the kernel sends, ours come from the handshake
 * and our few data segments, so the kernel's SRTT is checked instead.
 */
export function expectRoundTripNear(
  rttMs: number,
  result: TransferResult,
  sender: "we send" | "the kernel sends",
): void {
  const samples = result.samples;
  expect(samples.length).toBeGreaterThan(5);
  const last = samples.at(-1)!;
  expect(last.state).toBe("ESTABLISHED");
  expect(last.timestamps && last.sack).toBe(true);
  expect(last.minRttMs).toBeGreaterThanOrEqual(rttMs - 0.5);
  expect(last.minRttMs).toBeLessThan(rttMs + 10);
  expect(last.rtoMs).toBeGreaterThanOrEqual(Math.max(200, last.rttMs));
  expect(last.rtoMs).toBeLessThan(1000);
  const srtt =
    sender === "we send"
      ? median(samples.map((s) => s.rttMs))
      : median(result.kernelSamples.map((k) => k.rttMs));
  expect(srtt).toBeGreaterThanOrEqual(rttMs - 0.5);
  expect(srtt).toBeLessThan(2 * rttMs);
}
