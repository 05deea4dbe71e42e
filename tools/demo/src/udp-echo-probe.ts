import { createSocket, type Socket } from "node:dgram";
import type { ProbeResult } from "./probe-result.js";

export interface UdpEchoProbeOptions {
  /** The kernel's address on the adapter, to bind to (so the datagrams leave through it). */
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly family: 4 | 6;
  readonly port: number;
  readonly count: number;
  /** How long to wait for each echo. */
  readonly replyTimeoutMs: number;
  /** How long to keep trying to bind while the local address is not usable yet. */
  readonly bindTimeoutMs: number;
}

// Sizes cycle through small and near-MTU payloads (1200 + 48 header bytes fits IPv6's 1280).
const PAYLOAD_SIZES = [16, 64, 512, 1200] as const;

/** The payload of datagram `sequence`: its number, then bytes that differ from one to the next. */
export function udpProbePayload(sequence: number): Uint8Array {
  const size = PAYLOAD_SIZES[sequence % PAYLOAD_SIZES.length]!;
  const payload = new Uint8Array(size);
  new DataView(payload.buffer).setUint32(0, sequence);
  for (let i = 4; i < size; i++) payload[i] = (sequence + i) & 0xff;
  return payload;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Binds a UDP socket to `address`, retrying for up to `timeoutMs` while the system refuses the
 * address: on Windows a new address stays tentative for a moment after it is added.
 */
async function bindWhenUsable(family: 4 | 6, address: string, timeoutMs: number): Promise<Socket> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const socket = createSocket(family === 6 ? "udp6" : "udp4");
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ address, port: 0 }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
      return socket;
    } catch (error) {
      socket.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "EADDRNOTAVAIL" || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Sends `count` datagrams from a kernel socket to the echo port, one at a time, and times each
 * echo. An answer counts only if it carries exactly the bytes sent.
 */
export async function runUdpEchoProbe(options: UdpEchoProbeOptions): Promise<ProbeResult> {
  const host = options.family === 6 ? `[${options.remoteAddress}]` : options.remoteAddress;
  const label = `UDP ${host}:${options.port}`;
  let socket: Socket;
  try {
    socket = await bindWhenUsable(options.family, options.localAddress, options.bindTimeoutMs);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { label, sent: 0, answered: 0, roundTripsMs: [], problem: `cannot bind: ${reason}` };
  }

  let expected: Uint8Array | undefined;
  let onEcho: (() => void) | undefined;
  socket.on("message", (message) => {
    if (expected !== undefined && sameBytes(message, expected)) onEcho?.();
  });

  const roundTripsMs: number[] = [];
  let sent = 0;
  let problem: string | undefined;
  try {
    for (let sequence = 0; sequence < options.count; sequence++) {
      const payload = udpProbePayload(sequence);
      expected = payload;
      let endWait = (): void => {};
      const echoed = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), options.replyTimeoutMs);
        endWait = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
      onEcho = endWait;
      const start = process.hrtime.bigint();
      const sendError = await new Promise<Error | null>((resolve) =>
        socket.send(payload, options.port, options.remoteAddress, resolve),
      );
      if (sendError !== null) {
        problem = `send failed: ${sendError.message}`;
        endWait(); // clears the reply timer; nothing was sent, so nothing is counted
        break;
      }
      sent++;
      if (await echoed) roundTripsMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  } finally {
    onEcho = undefined;
    socket.close();
  }
  return {
    label,
    sent,
    answered: roundTripsMs.length,
    roundTripsMs,
    ...(problem === undefined ? {} : { problem }),
  };
}
