import { describe, expect } from "vitest";
import type { TcpReceiverOptions } from "../tcp-receiver-options.js";
import type { TcpSocket } from "../tcp-socket.js";
import {
  CraftedPeer,
  findScapyPython,
  flagNames,
  PeerConnection,
  type PeerConnectionOptions,
  type Reply,
} from "./crafted-peer.js";
import {
  inTestNamespace,
  type KernelPeerLink,
  openKernelPeerLink,
  waitFor,
} from "./kernel-peer.js";

const python = inTestNamespace ? findScapyPython() : undefined;
const toolsRequired = process.env.MAGMA_REQUIRE_TUN === "1";

/** What the application saw of one accepted connection. */
export interface Accepted {
  readonly socket: TcpSocket;
  readonly chunks: Buffer[];
  ended: boolean;
  closed: boolean;
  error: NodeJS.ErrnoException | undefined;
}

export function received(accepted: Accepted): Buffer {
  return Buffer.concat(accepted.chunks);
}

/**
 * The dispatcher: records each accepted socket by its remote port, collects what it reads and
 * how it ends. Ports in `paused` get a paused socket (an application that does not read).
 * `allowHalfOpen` as a `net.Server` created with it: the peer's FIN does not end our side.
 */
export class Acceptor {
  readonly accepted = new Map<number, Accepted>();
  readonly paused = new Set<number>();
  readonly dispatcher = {
    allowHalfOpen: true,
    emit: (_event: "connection", socket: TcpSocket): boolean => {
      const entry: Accepted = {
        socket,
        chunks: [],
        ended: false,
        closed: false,
        error: undefined,
      };
      this.accepted.set(socket.remotePort, entry);
      if (this.paused.has(socket.remotePort)) socket.pause();
      socket.on("data", (chunk: Buffer) => entry.chunks.push(chunk));
      socket.on("end", () => {
        entry.ended = true;
      });
      socket.on("close", () => {
        entry.closed = true;
      });
      socket.on("error", (error: NodeJS.ErrnoException) => {
        entry.error = error;
      });
      return true;
    },
  };

  async get(port: number): Promise<Accepted> {
    if (!(await waitFor(() => this.accepted.has(port), 2000))) {
      throw new Error(`no connection from port ${port} was accepted`);
    }
    return this.accepted.get(port)!;
  }
}

/** One adapter with its receiver, a crafted peer on it, and the connections a test opened. */
export class CraftedLink {
  readonly acceptor = new Acceptor();
  link!: KernelPeerLink;
  peer!: CraftedPeer;
  readonly connections: PeerConnection[] = [];
  #nextPort: number;

  constructor(
    readonly adapterName: string,
    readonly subnet: number,
    readonly tcp: TcpReceiverOptions,
    firstPort: number,
  ) {
    this.#nextPort = firstPort;
  }

  async open(): Promise<void> {
    if (python === undefined) {
      throw new Error(
        "python3 with scapy is required for the crafted-segment tests (Debian package python3-scapy)",
      );
    }
    this.link = await openKernelPeerLink({
      adapterName: this.adapterName,
      subnet: this.subnet,
      mtu: 1500,
      dispatcher: this.acceptor.dispatcher,
      tcp: this.tcp,
    });
    this.peer = await CraftedPeer.start(
      python,
      this.adapterName,
      `198.18.${this.subnet}.9`,
      this.link.address,
    );
  }

  async close(): Promise<void> {
    this.peer?.close();
    await this.link?.close();
  }

  get stats() {
    return this.link.receiver.stats;
  }

  port(): number {
    return this.#nextPort++;
  }

  connection(options: PeerConnectionOptions = {}): PeerConnection {
    const connection = new PeerConnection(this.peer, this.port(), options);
    this.connections.push(connection);
    return connection;
  }

  /** A crafted connection through the handshake, with the socket the application accepted. */
  async established(
    options: PeerConnectionOptions = {},
  ): Promise<{ conn: PeerConnection; app: Accepted; synAck: Reply }> {
    const conn = this.connection(options);
    const synAck = await conn.open();
    const app = await this.acceptor.get(conn.port);
    return { conn, app, synAck };
  }

  /** Resets what the test left open (a RST at RCV.NXT) and waits for the table to empty. */
  async cleanUp(): Promise<void> {
    for (const connection of this.connections.splice(0)) await connection.reset();
    const receiver = this.link.receiver;
    await waitFor(() => receiver.connectionCount === receiver.stats.timeWaitConnections, 2000);
  }
}

/** A bare ACK: no data and no other flag, carrying the numbers the connection expects. */
export function expectPlainAck(reply: Reply, conn: PeerConnection): void {
  expect(flagNames(reply.flags)).toBe("A");
  expect(reply.ack).toBe(conn.sndNxt >>> 0);
  expect(reply.seq).toBe(conn.rcvNxt >>> 0);
  expect(reply.payload.length).toBe(0);
  expect(reply.checksumOk).toBe(true);
}

/** Reads `length` bytes the application sent, ACKing each segment as it comes. */
export async function receiveFromApplication(
  conn: PeerConnection,
  length: number,
): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  while (total < length) {
    const reply = await conn.peer.next(conn.port, 3000);
    conn.noteReceived(reply);
    if (reply.payload.length === 0 || reply.seq !== conn.rcvNxt) continue;
    parts.push(reply.payload);
    total += reply.payload.length;
    conn.rcvNxt = (conn.rcvNxt + reply.payload.length) >>> 0;
    await conn.peer.send(conn.segment({}));
  }
  return Buffer.concat(parts);
}

/**
 * `describe` for the crafted-segment tests: skipped outside the test namespace, and without scapy
 * unless MAGMA_REQUIRE_TUN=1 (CI), where a missing scapy fails the tests instead.
 */
export const describeCrafted: ReturnType<typeof describe.skipIf> = describe.skipIf(
  !inTestNamespace || (python === undefined && !toolsRequired),
);
