import { seqAdd, seqDiff, seqGt, seqLte, TcpFlags, type TcpOptionFields } from "@magma/packets";
import fc from "fast-check";
import { vi } from "vitest";
import type { TcpReceiverOptions } from "../tcp-receiver-options.js";
import type { TcpSocket } from "../tcp-socket.js";
import { TcpTransportReceiver } from "../tcp-transport-receiver.js";
import { MemoryTransmitter, OwnershipError, PacketLedger } from "./memory-transmitter.js";
import {
  type Corruption,
  canonicalAddress,
  craftNonTcp,
  craftSegment,
  describeSegment,
  type HandshakeOptions,
  ModelPeer,
  type ParsedSegment,
  type PeerLink,
  parseSegment,
  type SegmentSpec,
  sequenceByte,
  sequenceBytes,
} from "./tcp-model-peer.js";

// The harness of the in-memory property tests (connection.property.test.ts): a model peer drives
// a receiver over a MemoryTransmitter through scripted and random actions, and an oracle checks
// every packet the receiver sends against what the peer sent it.

export const ADDRESSES = {
  4: { local: "198.18.0.2", peer: "198.18.0.1", other: "198.18.0.3" },
  6: { local: "fd6d:6167:6d61::2", peer: "fd6d:6167:6d61::1", other: "fd6d:6167:6d61::3" },
} as const;
export const LISTEN_PORT = 80;
export const CLOSED_PORT = 81;
export const PEER_PORT = 40000;
export const ACTIVE_LOCAL_PORT = 50000;
export const ACTIVE_PEER_PORT = 8080;
export const TWO_32 = 2 ** 32;

// ---------------------------------------------------------------- scenarios and actions

/** Where the scripted prefix leaves the connection before the random actions begin. */
export type Target =
  | "listen"
  | "synReceived"
  | "established"
  | "finWait1"
  | "finWait2"
  | "closeWait"
  | "closing"
  | "lastAck"
  | "timeWait"
  | "synSent"
  | "activeEstablished"
  | "simultaneousOpen";

export const TARGETS: readonly Target[] = [
  "listen",
  "synReceived",
  "established",
  "finWait1",
  "finWait2",
  "closeWait",
  "closing",
  "lastAck",
  "timeWait",
  "synSent",
  "activeEstablished",
  "simultaneousOpen",
];

/** The state `getInfo()` reports once a target's prefix ran (undefined: no socket yet). */
export const TARGET_STATE: Record<Target, string | undefined> = {
  listen: undefined,
  synReceived: undefined,
  established: "ESTABLISHED",
  finWait1: "FIN-WAIT-1",
  finWait2: "FIN-WAIT-2",
  closeWait: "CLOSE-WAIT",
  closing: "CLOSING",
  lastAck: "LAST-ACK",
  timeWait: "TIME-WAIT",
  synSent: "SYN-SENT",
  activeEstablished: "ESTABLISHED",
  simultaneousOpen: "SYN-RECEIVED",
};

export type OptionChoice =
  /** A timestamp if agreed. */
  | { readonly kind: "default" }
  | { readonly kind: "none" }
  /** SACK blocks at these offsets from the peer's ACK, true or not. */
  | { readonly kind: "sack"; readonly blocks: readonly (readonly [number, number])[] }
  /** SYN-only options (MSS, window scale, SACK-permitted) outside a SYN: to be ignored. */
  | { readonly kind: "synOnly" }
  /** An option of a kind nobody knows: skipped. */
  | { readonly kind: "unknown" }
  /** A malformed option: the segment must be dropped. */
  | { readonly kind: "malformed"; readonly which: number }
  /** A timestamp this far behind the peer's clock (PAWS). */
  | { readonly kind: "oldTimestamp"; readonly back: number }
  | { readonly kind: "rawTimestamp"; readonly value: number; readonly echo: number };

/** Option bytes `readTcpOptions` must refuse, whatever padding follows. */
const MALFORMED_OPTIONS: readonly (readonly number[])[] = [
  [2, 3, 5], // MSS of length 3
  [3, 4, 7, 0], // window scale of length 4
  [4, 3, 0, 0], // SACK-permitted of length 3
  [5, 6, 1, 2, 3, 4], // SACK of 4 bytes
  [5, 2], // SACK without blocks
  [8, 9, 1, 2, 3, 4, 5, 6, 7], // timestamps of length 9
  [30, 1], // a length below 2
  [30, 40], // a length past the header
  [1, 1, 1, 2], // a kind without its length byte
];

/** A segment from the peer's address with fields chosen near, or far from, the expected ones. */
export interface RandomSegment {
  readonly kind: "segment";
  readonly flags: number;
  readonly seqBase: "nxt" | "una" | "iss" | "raw";
  readonly seqDelta: number;
  readonly ackBase: "rcv" | "stackIss" | "stackMax" | "raw";
  readonly ackDelta: number;
  readonly window: number;
  readonly length: number;
  readonly options: OptionChoice;
  readonly corrupt: Corruption | undefined;
  readonly urgent: boolean;
}

export type Action =
  | RandomSegment
  /** The peer's SYN: again with the same ISS, or as a new incarnation. */
  | { readonly kind: "syn"; readonly restart: "same" | "later" | "raw"; readonly iss: number }
  | { readonly kind: "synAck" }
  | { readonly kind: "ack" }
  /** `count` pure ACKs in a row (duplicates, with SACK blocks for what lies beyond a hole). */
  | { readonly kind: "dupAcks"; readonly count: number }
  /** The peer loses the receiver's next `count` segments that carry data. */
  | { readonly kind: "loseNext"; readonly count: number }
  /** The peer's data at SND.NXT + delta, with the right ACK + ackDelta. */
  | {
      readonly kind: "data";
      readonly delta: number;
      readonly length: number;
      readonly fin: boolean;
      readonly ackDelta: number;
    }
  | { readonly kind: "replay"; readonly back: number }
  | { readonly kind: "setWindow"; readonly bytes: number }
  | {
      readonly kind: "stray";
      readonly what: "closedPort" | "otherAddress" | "nonTcp" | "otherFamily";
      readonly flags: number;
    }
  | { readonly kind: "connect" }
  | { readonly kind: "flush" }
  | { readonly kind: "yield" }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "write"; readonly length: number }
  | { readonly kind: "read" }
  | { readonly kind: "pause" }
  | { readonly kind: "resume" }
  | { readonly kind: "end" }
  | { readonly kind: "destroy" }
  | { readonly kind: "resetAndDestroy" }
  | { readonly kind: "noDelay"; readonly on: boolean }
  | { readonly kind: "keepAlive"; readonly ms: number }
  | { readonly kind: "idleTimeout"; readonly ms: number };

export const SYN: Action = { kind: "syn", restart: "same", iss: 0 };
export const ACK: Action = { kind: "ack" };
export const FIN: Action = { kind: "data", delta: 0, length: 0, fin: true, ackDelta: 0 };
export const FLUSH: Action = { kind: "flush" };
export const YIELD: Action = { kind: "yield" };
export const END: Action = { kind: "end" };
export const CONNECT: Action = { kind: "connect" };

export function prefixOf(target: Target): Action[] {
  switch (target) {
    case "listen":
      return [];
    case "synReceived":
      return [SYN, FLUSH];
    case "established":
      return [SYN, FLUSH, ACK, FLUSH];
    case "finWait1":
      return [...prefixOf("established"), END, YIELD];
    case "finWait2":
      return [...prefixOf("finWait1"), ACK, FLUSH];
    case "closeWait":
      return [...prefixOf("established"), FIN, FLUSH];
    case "closing":
      // The peer's FIN does not acknowledge ours.
      return [
        ...prefixOf("finWait1"),
        { kind: "data", delta: 0, length: 0, fin: true, ackDelta: -1 },
        FLUSH,
      ];
    case "lastAck":
      return [...prefixOf("closeWait"), END, YIELD];
    case "timeWait":
      return [...prefixOf("finWait2"), FIN, FLUSH];
    case "synSent":
      return [CONNECT, YIELD];
    case "activeEstablished":
      return [CONNECT, { kind: "synAck" }, FLUSH, YIELD];
    case "simultaneousOpen":
      return [CONNECT, SYN, FLUSH];
  }
}

export interface RunConfig {
  readonly version: 4 | 6;
  readonly target: Target;
  readonly peerIss: number;
  /** Steer the receiver's ISS to this far below 2^32 (null: leave it where it falls). */
  readonly stackIssBelowWrap: number | null;
  readonly handshake: HandshakeOptions;
  readonly receiver: TcpReceiverOptions;
  /** Refuse one transmitter loan in this many (0: never). */
  readonly refuseOneIn: number;
  readonly seed: number;
  readonly allowHalfOpen: boolean;
  readonly peerWindow: number;
  readonly slack: number;
  readonly actions: readonly Action[];
}

// ---------------------------------------------------------------- arbitraries

const deltaArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: -4, max: 4 }) },
  { weight: 3, arbitrary: fc.integer({ min: -70_000, max: 70_000 }) },
  { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
);

const flagsArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      TcpFlags.ack,
      TcpFlags.ack | TcpFlags.psh,
      TcpFlags.ack | TcpFlags.fin,
      TcpFlags.syn,
      TcpFlags.syn | TcpFlags.ack,
      TcpFlags.rst,
      TcpFlags.rst | TcpFlags.ack,
      TcpFlags.fin,
      0,
      TcpFlags.syn | TcpFlags.fin,
      TcpFlags.syn | TcpFlags.rst,
    ),
  },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 255 }) },
);

const windowArb = fc.oneof(
  fc.constant(0xffff),
  fc.constant(0),
  fc.integer({ min: 1, max: 600 }),
  fc.integer({ min: 0, max: 0xffff }),
);

const lengthArb = fc.oneof(
  { weight: 5, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 300, max: 1400 }) },
);

const optionArb: fc.Arbitrary<OptionChoice> = fc.oneof(
  { weight: 10, arbitrary: fc.constant({ kind: "default" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "none" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("sack" as const),
      blocks: fc.array(
        fc.tuple(fc.integer({ min: -200, max: 4000 }), fc.integer({ min: -10, max: 3000 })),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "synOnly" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "unknown" as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("malformed" as const),
      which: fc.nat({ max: MALFORMED_OPTIONS.length - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("oldTimestamp" as const),
      back: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("rawTimestamp" as const),
      value: fc.nat({ max: 0xffffffff }),
      echo: fc.nat({ max: 0xffffffff }),
    }),
  },
);

const corruptArb: fc.Arbitrary<Corruption | undefined> = fc.oneof(
  { weight: 14, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Corruption>(
      "checksum",
      "data-offset",
      "short-tcp",
      "ip-length",
      "truncated",
    ),
  },
);

const randomSegmentArb: fc.Arbitrary<Action> = fc.record({
  kind: fc.constant("segment" as const),
  flags: flagsArb,
  seqBase: fc.constantFrom("nxt", "nxt", "nxt", "una", "iss", "raw"),
  seqDelta: deltaArb,
  ackBase: fc.constantFrom("rcv", "rcv", "rcv", "stackIss", "stackMax", "raw"),
  ackDelta: deltaArb,
  window: windowArb,
  length: lengthArb,
  options: optionArb,
  corrupt: corruptArb,
  urgent: fc.boolean(),
});

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 7, arbitrary: randomSegmentArb },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant("data" as const),
      delta: fc.oneof(
        { weight: 6, arbitrary: fc.constant(0) },
        { weight: 2, arbitrary: fc.integer({ min: -3000, max: 3000 }) },
      ),
      length: fc.oneof(fc.integer({ min: 1, max: 200 }), fc.integer({ min: 0, max: 1400 })),
      fin: fc.oneof(
        { weight: 6, arbitrary: fc.constant(false) },
        { weight: 1, arbitrary: fc.constant(true) },
      ),
      ackDelta: fc.oneof(
        { weight: 6, arbitrary: fc.constant(0) },
        { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }) },
      ),
    }),
  },
  { weight: 4, arbitrary: fc.constant(ACK) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("dupAcks" as const),
      count: fc.integer({ min: 1, max: 4 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("loseNext" as const),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant(FIN) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("syn" as const),
      restart: fc.constantFrom("same", "same", "later", "raw"),
      iss: fc.nat({ max: 0xffffffff }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "synAck" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("replay" as const),
      back: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("setWindow" as const),
      bytes: fc.constantFrom(0, 0, 1, 100, 1000, 65535, 1 << 20),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("stray" as const),
      what: fc.constantFrom("closedPort", "otherAddress", "nonTcp", "otherFamily"),
      flags: flagsArb,
    }),
  },
  { weight: 4, arbitrary: fc.constant(FLUSH) },
  { weight: 4, arbitrary: fc.constant(YIELD) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.oneof(
        fc.constantFrom(1, 40, 41),
        fc.integer({ min: 100, max: 1500 }),
        fc.integer({ min: 2000, max: 10_000 }),
        fc.integer({ min: 30_000, max: 130_000 }),
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      length: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 100, max: 5000 })),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: "read" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "pause" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "resume" as const }) },
  { weight: 1, arbitrary: fc.constant(END) },
  { weight: 1, arbitrary: fc.constant({ kind: "destroy" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "resetAndDestroy" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("noDelay" as const), on: fc.boolean() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("keepAlive" as const),
      ms: fc.integer({ min: 1000, max: 5000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("idleTimeout" as const),
      ms: fc.integer({ min: 0, max: 5000 }),
    }),
  },
);

const sequenceNumberArb = fc.oneof(
  fc.nat({ max: 0xffffffff }),
  fc.integer({ min: 1, max: 3000 }).map((below) => TWO_32 - below),
);

const handshakeArb: fc.Arbitrary<HandshakeOptions> = fc.record({
  mss: fc.option(fc.oneof(fc.integer({ min: 64, max: 1460 }), fc.constantFrom(0, 1, 536, 65535)), {
    nil: undefined,
  }),
  windowScale: fc.option(fc.oneof(fc.integer({ min: 0, max: 14 }), fc.constantFrom(15, 255)), {
    nil: undefined,
  }),
  sackPermitted: fc.boolean(),
  timestamps: fc.boolean(),
});

const receiverOptionsArb: fc.Arbitrary<TcpReceiverOptions> = fc.record({
  mtu: fc.constantFrom(1280, 1500),
  receiveBufferSize: fc.constantFrom(4096, 65536, 1 << 20),
  sendBufferSize: fc.constantFrom(4096, 1 << 20),
  congestionControl: fc.constantFrom("cubic" as const, "newreno" as const),
  sack: fc.boolean(),
  timestamps: fc.boolean(),
  windowScaling: fc.boolean(),
  maxConnections: fc.constantFrom(1, 16384),
  timeWaitMs: fc.constantFrom(0, 1000, 60_000),
  synRetries: fc.constantFrom(1, 6),
  maxRetransmissions: fc.constantFrom(2, 15),
  delayedAckMs: fc.constantFrom(0, 40),
  keepaliveIntervalMs: fc.constant(1000),
  keepaliveProbes: fc.constantFrom(1, 3),
  challengeAckLimit: fc.constantFrom(2, 1000),
});

export const runArb: fc.Arbitrary<RunConfig> = fc.record({
  version: fc.constantFrom(4 as const, 6 as const),
  target: fc.constantFrom(...TARGETS),
  peerIss: sequenceNumberArb,
  stackIssBelowWrap: fc.option(fc.integer({ min: 300, max: 6000 }), { nil: null, freq: 3 }),
  handshake: handshakeArb,
  receiver: receiverOptionsArb,
  refuseOneIn: fc.constantFrom(0, 0, 0, 3, 12),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
  allowHalfOpen: fc.boolean(),
  peerWindow: fc.constantFrom(0xffff, 4096, 1 << 20, 200),
  slack: fc.constantFrom(0, 0, 7, 100),
  actions: fc.array(actionArb, { minLength: 5, maxLength: 60, size: "max" }),
});

// ---------------------------------------------------------------- the harness

export type Property =
  | "noThrow"
  | "wellFormed"
  | "window"
  | "ackBound"
  | "ownership"
  | "delivery"
  | "sentData";

export const PROPERTIES: readonly Property[] = [
  "noThrow",
  "wellFormed",
  "window",
  "ackBound",
  "ownership",
  "delivery",
  "sentData",
];

export interface SocketRecord {
  readonly socket: TcpSocket;
  readonly index: number;
  /** The connection behind the socket (see `Harness.#incarnation`). */
  readonly incarnation: number;
  readonly written: Uint8Array[];
  writtenLength: number;
  readonly delivered: Uint8Array[];
  deliveredLength: number;
  ended: boolean;
  readonly errors: string[];
}

/** How a `Harness` reports. */
export interface HarnessOptions {
  /** Trace the newest socket's `getInfo()` after every action [false]. */
  readonly verbose?: boolean;
}

/** What the oracle knows of one connection of the receiver's. */
export interface Incarnation {
  /** The receiver's ISS, from its SYN or SYN-ACK. */
  stackIss: number | undefined;
  /** SND.MAX: the end of the highest sequence number the receiver sent. */
  stackMax: number;
  // Right edges and ACKs are kept as offsets from stackIss, so that garbage ACKs far away in
  // sequence space compare as numbers, not modulo 2^32.
  /** The highest right edge (ACK + scaled window) any plausible peer segment advertised. */
  edge: number | undefined;
  /** The window-scale shift that applies to the peer's windows. */
  scale: number;
  /** The highest ACK the receiver sent. */
  maxAck: number | undefined;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(chunks);
}

/** Which harness is running, for the process-wide uncaught-exception listener. */
let running: Harness | undefined;

/** Charges an exception nobody caught (an "uncaughtException") to the run in progress. */
export function noteUncaught(error: unknown): void {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  running?.violate("noThrow", `uncaught: ${text}`);
}

/** States seen after actions, across runs (for a coverage report). */
export const statesSeen = new Map<string, number>();

/** The receivers' statistics summed over runs (for a coverage report). */
export const statisticsSeen = new Map<string, number>();

/**
 * One run: a receiver over a `MemoryTransmitter`, a `ModelPeer`, and the oracle that checks every
 * packet the receiver sends against what the peer sent it.
 */
export class Harness {
  readonly config: RunConfig;
  readonly options: Required<HarnessOptions>;

  readonly link: PeerLink;
  readonly transmitter: MemoryTransmitter;
  readonly receiver: TcpTransportReceiver<MemoryTransmitter>;
  readonly ledger = new PacketLedger();
  readonly peer: ModelPeer;
  readonly violations = new Map<Property, string[]>();
  readonly trace: string[] = [];
  readonly sockets: SocketRecord[] = [];
  /** Peer segments sent, for replays. */
  readonly #history: { packet: Uint8Array; spec: SegmentSpec; valid: boolean }[] = [];
  #rng: number;
  #refusing = false;
  /** Data-bearing segments of the receiver's the peer is yet to lose. */
  #peerLoses = 0;

  // What the peer sent: its SYNs, and every sequence number a valid segment of its occupied.
  readonly #synSeqs = new Set<number>();
  readonly #covered = new Set<number>();
  readonly #contiguousEnd = new Map<number, number>();

  // What the receiver sent, per connection.
  readonly #incarnations = new Map<number, Incarnation>();
  /** Packets sent, each with the connection that was current when it left. */
  readonly #outbox: { packet: Uint8Array; incarnation: number }[] = [];

  constructor(config: RunConfig, options: HarnessOptions = {}) {
    this.config = config;
    this.options = {
      verbose: options.verbose ?? false,
    };
    const active =
      config.target === "synSent" ||
      config.target === "activeEstablished" ||
      config.target === "simultaneousOpen";
    const addresses = ADDRESSES[config.version];
    this.link = {
      version: config.version,
      peerAddress: addresses.peer,
      peerPort: active ? ACTIVE_PEER_PORT : PEER_PORT,
      localAddress: addresses.local,
      localPort: active ? ACTIVE_LOCAL_PORT : LISTEN_PORT,
    };
    this.#rng = config.seed;
    this.transmitter = new MemoryTransmitter({
      // Exactly the MTU: a segment that outgrows it is refused by a throw, and caught.
      maxPacketLength: config.receiver.mtu ?? 1500,
      seed: config.seed,
      refuse: () => this.#refusing && this.#random() % config.refuseOneIn === 0,
      onSend: (packet) => this.#outbox.push({ packet, incarnation: this.#currentId() }),
    });
    const dispatcher = {
      allowHalfOpen: config.allowHalfOpen,
      emit: (_event: "connection", socket: TcpSocket): boolean => {
        this.#adopt(socket);
        return true;
      },
    };
    this.receiver = new TcpTransportReceiver(
      { address: addresses.local, port: LISTEN_PORT },
      this.transmitter,
      dispatcher,
      // The MTU is set, so that transmitter headroom does not raise it.
      { ...config.receiver, mtu: config.receiver.mtu ?? 1500 },
    );
    this.peer = new ModelPeer(this.link, {
      iss: config.peerIss,
      handshake: config.handshake,
      window: config.peerWindow,
      tsClock: config.seed * 7,
    });
  }

  /**
   * Which connection is current: the receiver counts every open, and a four-tuple has one
   * connection at a time, so the count tells connections apart even when a new one reuses the
   * old one's ISS (the ISS clock stands still under fake timers).
   */
  #currentId(): number {
    const stats = this.receiver.stats;
    return stats.activeOpens + stats.passiveOpens;
  }

  #incarnation(id: number = this.#currentId()): Incarnation {
    let incarnation = this.#incarnations.get(id);
    if (incarnation === undefined) {
      incarnation = {
        stackIss: undefined,
        stackMax: 0,
        edge: undefined,
        scale: 0,
        maxAck: undefined,
      };
      this.#incarnations.set(id, incarnation);
    }
    return incarnation;
  }

  /** The receiver's ISS in the current connection, if it sent its SYN. */
  get stackIss(): number | undefined {
    return this.#incarnation().stackIss;
  }

  #random(): number {
    let x = this.#rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#rng = x >>> 0;
    return this.#rng;
  }

  violate(property: Property, message: string): void {
    const list = this.violations.get(property) ?? [];
    if (list.length < 5) list.push(message);
    this.violations.set(property, list);
    this.trace.push(`  !! ${property}: ${message}`);
  }

  #caught(where: string, error: unknown): void {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (error instanceof OwnershipError) this.violate("ownership", `${where}: ${text}`);
    else this.violate("noThrow", `${where} threw ${text}`);
  }

  // ------------------------------------------------------------ running

  /** The whole run: `begin()`, the configured actions, `finish()`. */
  async run(): Promise<void> {
    try {
      await this.begin();
      await this.steps(this.config.actions);
      await this.finish();
    } finally {
      running = undefined;
    }
  }

  /** Steers the receiver's ISS if asked, then runs the target's scripted prefix. */
  async begin(): Promise<void> {
    running = this;
    this.#refusing = false;
    if (this.config.stackIssBelowWrap !== null) await this.#steerStackIss();
    await this.steps(prefixOf(this.config.target));
    this.#refusing = this.config.refuseOneIn > 0;
  }

  /**
   * Lets every live socket read what is left, checks delivery, closes the receiver and checks
   * that every packet and buffer went back where it belongs.
   */
  async finish(): Promise<void> {
    try {
      await this.#finish();
    } finally {
      running = undefined;
    }
  }

  /**
   * Where the receiver's segments go once checked: straight to `peer.receive` unless this is set
   * (a simulated network that loses, duplicates and reorders them).
   */
  onPeerSegment: ((segment: ParsedSegment) => void) | undefined;

  /** Sends one segment from the peer now: the oracle counts it as sent, then the receiver takes it. */
  deliver(spec: SegmentSpec, packet: Uint8Array = craftSegment(this.link, spec)): void {
    this.trace.push(
      `  > ${describeSegment({ ...spec, ack: spec.ack ?? 0, payload: spec.payload ?? new Uint8Array(0) })}`,
    );
    this.#register(spec, true);
    this.#offer(packet);
  }

  /** Ends the batch in progress, as a port does after its last packet. */
  flush(): void {
    this.step(FLUSH);
  }

  /**
   * Brings the receiver's next ISS for the link to `stackIssBelowWrap` below 2^32: one throwaway
   * handshake shows the current ISS, and the clock moves on by the 4 µs ticks still needed
   * (RFC 6528: ISN = M + F(four-tuple, secret), M a 4 µs timer).
   */
  async #steerStackIss(): Promise<void> {
    const below = this.config.stackIssBelowWrap ?? 0;
    let probeIss: number | undefined;
    if (this.link.localPort === LISTEN_PORT) {
      this.step(SYN);
      probeIss = this.stackIss;
      this.#send({ seq: seqAdd(this.peer.iss, 1), flags: TcpFlags.rst, window: 0 }, true);
    } else {
      this.step(CONNECT);
      probeIss = this.stackIss;
      this.sockets[this.sockets.length - 1]?.socket.destroy();
    }
    await this.#yield();
    if (probeIss === undefined) return;
    const ticks = (TWO_32 - below - probeIss) >>> 0;
    this.trace.push(`(steering the receiver's ISS: ${ticks / 250} ms on)`);
    this.#advance(Math.round(ticks / 250));
    this.peer.restart(this.peer.iss);
  }

  /**
   * Runs actions in order. Only `yield` and `advance` give the event loop a turn, so the segments
   * between them form one batch (ended by a `flush`, or by the receiver's own microtask).
   */
  async steps(actions: readonly Action[]): Promise<void> {
    for (const action of actions) {
      const pending = this.step(action);
      if (pending !== undefined) await pending;
    }
  }

  /** Runs one action; returns a promise only for those that wait for the event loop. */
  step(action: Action): Promise<void> | undefined {
    this.trace.push(`> ${JSON.stringify(action)}`);
    if (action.kind === "yield") return this.#yield().then(() => this.#noteStates());
    if (action.kind === "advance") {
      // Timers fire between batches, never inside one.
      return this.#yield().then(() => {
        this.#advance(action.ms);
        this.#noteStates();
      });
    }
    const peer = this.peer;
    switch (action.kind) {
      case "segment":
        this.#sendRandom(action);
        break;
      case "syn":
        if (action.restart === "later") peer.restart(seqAdd(peer.sndNxt, 100_000));
        else if (action.restart === "raw") peer.restart(action.iss);
        this.#send(peer.syn(), true);
        break;
      case "synAck":
        this.#send(peer.synAck(), true);
        break;
      case "ack":
        this.#send(peer.ack(), true);
        break;
      case "dupAcks":
        for (let i = 0; i < action.count; i++) this.#send(peer.ack(), true);
        break;
      case "loseNext":
        this.#peerLoses += action.count;
        break;
      case "data": {
        const seq = seqAdd(peer.sndNxt, action.delta);
        this.#send(
          peer.data(seq, action.length, { fin: action.fin, ackDelta: action.ackDelta }),
          true,
        );
        break;
      }
      case "replay": {
        const entry = this.#history[this.#history.length - action.back];
        if (entry !== undefined) {
          this.#register(entry.spec, entry.valid);
          this.#offer(entry.packet);
        }
        break;
      }
      case "setWindow":
        peer.window = action.bytes;
        break;
      case "stray":
        this.#sendStray(action.what, action.flags);
        break;
      case "connect":
        this.#connect();
        break;
      case "flush":
        try {
          this.receiver.flushPendingAcks();
        } catch (error) {
          this.#caught("flushPendingAcks", error);
        }
        break;
      default:
        this.#application(action);
    }
    this.collect();
    this.#noteStates();
    return undefined;
  }

  #advance(ms: number): void {
    try {
      vi.advanceTimersByTime(ms);
    } catch (error) {
      this.#caught(`a timer (within ${ms} ms)`, error);
    }
    this.collect();
  }

  async #yield(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.collect();
  }

  #connect(): void {
    try {
      const socket = this.receiver.connect({
        host: this.link.peerAddress,
        port: this.link.peerPort,
        localPort: this.link.localPort,
        allowHalfOpen: this.config.allowHalfOpen,
      });
      this.#adopt(socket);
    } catch (error) {
      this.#caught("connect", error);
    }
    this.collect();
  }

  #adopt(socket: TcpSocket): void {
    const record: SocketRecord = {
      socket,
      index: this.sockets.length,
      incarnation: this.#currentId(),
      written: [],
      writtenLength: 0,
      delivered: [],
      deliveredLength: 0,
      ended: false,
      errors: [],
    };
    this.sockets.push(record);
    socket.on("data", (chunk: Buffer) => {
      record.delivered.push(Uint8Array.from(chunk));
      record.deliveredLength += chunk.length;
    });
    socket.on("end", () => {
      record.ended = true;
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      record.errors.push(error.code ?? error.message);
    });
  }

  /** The socket application actions apply to: the newest one still open. */
  #current(): SocketRecord | undefined {
    for (let i = this.sockets.length - 1; i >= 0; i--) {
      if (!this.sockets[i]!.socket.destroyed) return this.sockets[i];
    }
    return undefined;
  }

  #application(action: Action): void {
    const record = this.#current();
    if (record === undefined) return;
    const socket = record.socket;
    try {
      switch (action.kind) {
        case "write": {
          if (socket.writableEnded) return;
          const bytes = sequenceBytes(
            record.writtenLength,
            action.length,
            0x5bd1e995 + record.index,
          );
          record.written.push(bytes);
          record.writtenLength += bytes.length;
          socket.write(bytes);
          break;
        }
        case "read":
          socket.read();
          break;
        case "pause":
          socket.pause();
          break;
        case "resume":
          socket.resume();
          break;
        case "end":
          socket.end();
          break;
        case "destroy":
          socket.destroy();
          break;
        case "resetAndDestroy":
          socket.resetAndDestroy();
          break;
        case "noDelay":
          socket.setNoDelay(action.on);
          break;
        case "keepAlive":
          socket.setKeepAlive(true, action.ms);
          break;
        case "idleTimeout":
          socket.setTimeout(action.ms);
          break;
        default:
          break;
      }
    } catch (error) {
      this.#caught(`the application's ${action.kind}()`, error);
    }
  }

  // ------------------------------------------------------------ the peer's segments

  #sendRandom(action: RandomSegment): void {
    const peer = this.peer;
    const syn = (action.flags & TcpFlags.syn) !== 0;
    const seq =
      action.seqBase === "raw"
        ? action.seqDelta >>> 0
        : seqAdd(
            action.seqBase === "nxt"
              ? peer.sndNxt
              : action.seqBase === "una"
                ? peer.sndUna
                : peer.iss,
            action.seqDelta,
          );
    const ack =
      action.ackBase === "raw"
        ? action.ackDelta >>> 0
        : seqAdd(
            action.ackBase === "rcv"
              ? peer.rcvNxt
              : action.ackBase === "stackIss"
                ? (this.stackIss ?? 0)
                : this.#incarnation().stackMax,
            action.ackDelta,
          );
    let options: TcpOptionFields | undefined;
    let rawOptions: Uint8Array | undefined;
    const choice = action.options;
    if (choice.kind === "malformed") {
      rawOptions = Uint8Array.from(MALFORMED_OPTIONS[choice.which]!);
    } else if (syn) {
      // Every SYN carries the run's handshake options, so the agreed scale is known.
      options = peer.synOptions(peer.tsRecent);
    } else {
      switch (choice.kind) {
        case "default":
          options = peer.segmentOptions(0);
          break;
        case "none":
          options = undefined;
          break;
        case "sack": {
          const max = peer.timestampsAgreed ? 3 : 4;
          options = {
            ...peer.segmentOptions(0),
            sackBlocks: choice.blocks
              .slice(0, max)
              .map(([left, size]) => [seqAdd(peer.rcvNxt, left), seqAdd(peer.rcvNxt, left + size)]),
          };
          break;
        }
        case "synOnly":
          options = {
            ...peer.segmentOptions(0),
            maximumSegmentSize: 100,
            windowScale: 3,
            sackPermitted: !peer.timestampsAgreed,
          };
          break;
        case "unknown":
          rawOptions = Uint8Array.from([30, 6, 1, 2, 3, 4]);
          break;
        case "oldTimestamp":
          options = {
            timestamp: { value: seqAdd(peer.tsClock, -choice.back), echoReply: peer.tsRecent },
          };
          break;
        case "rawTimestamp":
          options = { timestamp: { value: choice.value, echoReply: choice.echo } };
          break;
      }
    }
    const dataSeq = syn ? seqAdd(seq, 1) : seq;
    const spec: SegmentSpec = {
      seq,
      ack,
      flags: action.flags | (action.urgent ? TcpFlags.urg : 0),
      window: action.window,
      payload: sequenceBytes(dataSeq, action.length),
      ...(options === undefined ? {} : { options }),
      ...(rawOptions === undefined ? {} : { rawOptions }),
      ...(action.urgent ? { urgentPointer: Math.min(action.length, 10) } : {}),
      ...(action.corrupt === undefined ? {} : { corrupt: action.corrupt }),
    };
    const valid = action.corrupt === undefined && choice.kind !== "malformed";
    if (valid && (action.flags & TcpFlags.rst) === 0) {
      const occupied =
        action.length + (syn ? 1 : 0) + ((action.flags & TcpFlags.fin) !== 0 ? 1 : 0);
      peer.noteSent(seq, occupied);
    }
    this.#send(spec, valid);
  }

  #sendStray(what: "closedPort" | "otherAddress" | "nonTcp" | "otherFamily", flags: number): void {
    const peer = this.peer;
    switch (what) {
      case "closedPort":
        this.#offer(
          craftSegment(this.link, {
            seq: peer.sndNxt,
            ack: peer.rcvNxt,
            flags,
            window: 1000,
            destinationPort: CLOSED_PORT,
          }),
        );
        break;
      case "otherAddress":
        this.#offer(
          craftSegment(this.link, {
            seq: peer.iss,
            flags: TcpFlags.syn,
            window: 1000,
            destinationAddress: ADDRESSES[this.link.version].other,
          }),
        );
        break;
      case "nonTcp":
        this.#offer(craftNonTcp(this.link));
        break;
      case "otherFamily": {
        const version = this.link.version === 4 ? 6 : 4;
        const addresses = ADDRESSES[version];
        this.#offer(
          craftSegment(
            {
              version,
              peerAddress: addresses.peer,
              peerPort: PEER_PORT,
              localAddress: addresses.local,
              localPort: LISTEN_PORT,
            },
            { seq: peer.iss, flags: TcpFlags.syn, window: 1000 },
          ),
        );
        break;
      }
    }
  }

  /** Sends one segment from the peer over the link; `valid` ones count as sent for the oracle. */
  #send(spec: SegmentSpec, valid: boolean): void {
    const packet = craftSegment(this.link, spec);
    this.trace.push(
      `  > ${describeSegment({ ...spec, ack: spec.ack ?? 0, payload: spec.payload ?? new Uint8Array(0) })}${valid ? "" : " (invalid)"}`,
    );
    this.#history.push({ packet, spec, valid });
    this.#register(spec, valid);
    this.#offer(packet);
  }

  #offer(packet: Uint8Array): void {
    try {
      this.ledger.offer(this.receiver, packet, this.config.slack);
    } catch (error) {
      this.#caught("tryConsume", error);
    }
    this.collect();
  }

  /** Records what a valid segment of the peer's says: SYNs, occupied sequence numbers, windows. */
  #register(spec: SegmentSpec, valid: boolean): void {
    if (!valid) return;
    const flags = spec.flags;
    const syn = (flags & TcpFlags.syn) !== 0;
    const hasAck = (flags & TcpFlags.ack) !== 0;
    if ((flags & TcpFlags.rst) !== 0 || !(syn || hasAck)) return;
    if (syn) this.#synSeqs.add(spec.seq >>> 0);
    const dataSeq = syn ? seqAdd(spec.seq, 1) : spec.seq >>> 0;
    const length = spec.payload?.length ?? 0;
    for (let i = 0; i < length; i++) this.#covered.add(seqAdd(dataSeq, i));
    if ((flags & TcpFlags.fin) !== 0) this.#covered.add(seqAdd(dataSeq, length));
    this.#contiguousEnd.clear();
    const current = this.#incarnation();
    if (!hasAck || current.stackIss === undefined) return;
    const ack = seqDiff(spec.ack ?? 0, current.stackIss);
    // The receiver challenges an ACK beyond SND.MAX, or more than MAX.SND.WND (at most 2^30)
    // below SND.UNA, and drops the segment: such ACKs move no window.
    if (ack > seqDiff(current.stackMax, current.stackIss) || ack < -(2 ** 30 + 0x10000)) return;
    const window = syn ? spec.window : spec.window * 2 ** current.scale;
    // RFC 9293 §3.10.7.4: the window counts from the segment's own ACK.
    const edge = ack + window;
    if (current.edge === undefined || edge > current.edge) current.edge = edge;
  }

  /** The first sequence number after SYN `syn` that no valid segment of the peer's occupied. */
  #endFrom(syn: number): number {
    let end = this.#contiguousEnd.get(syn);
    if (end === undefined) {
      end = seqAdd(syn, 1);
      while (this.#covered.has(end)) end = seqAdd(end, 1);
      this.#contiguousEnd.set(syn, end);
    }
    return end;
  }

  // ------------------------------------------------------------ the receiver's segments

  collect(): void {
    const sent = this.#outbox.splice(0);
    for (const { packet, incarnation } of sent) this.#inspect(packet, incarnation);
  }

  #inspect(packet: Uint8Array, id: number): void {
    const segment = parseSegment(packet);
    const text = describeSegment(segment);
    this.trace.push(`  < ${text} (${segment.sourcePort} → ${segment.destinationPort})`);
    for (const problem of segment.problems) this.violate("wellFormed", `${problem}: ${text}`);
    const mtu = this.config.receiver.mtu ?? 1500;
    if (packet.length > mtu) {
      this.violate("wellFormed", `${packet.length} bytes, more than the ${mtu}-byte MTU: ${text}`);
    }
    const link = this.link;
    if (segment.version !== link.version) {
      this.violate("wellFormed", `IPv${segment.version} on an IPv${link.version} link: ${text}`);
    }
    if (
      segment.source !== canonicalAddress(link.localAddress) ||
      segment.destination !== canonicalAddress(link.peerAddress) ||
      segment.destinationPort !== link.peerPort
    ) {
      this.violate(
        "wellFormed",
        `sent from ${segment.source} to ${segment.destination}:${segment.destinationPort}: ${text}`,
      );
    }
    const flags = segment.flags;
    const syn = (flags & TcpFlags.syn) !== 0;
    const rst = (flags & TcpFlags.rst) !== 0;
    if (segment.sourcePort !== link.localPort) {
      if (!rst) this.violate("wellFormed", `not a RST, from port ${segment.sourcePort}: ${text}`);
      return;
    }
    const handshake = this.config.handshake;
    if (!syn && segment.timestamp !== undefined && handshake.timestamps !== true) {
      this.violate("wellFormed", `a timestamp though the peer never offered them: ${text}`);
    }
    if (segment.sackBlocks.length > 0 && handshake.sackPermitted !== true) {
      this.violate("wellFormed", `SACK blocks though the peer never permitted them: ${text}`);
    }
    const incarnation = this.#incarnation(id);
    if (syn && segment.seq !== incarnation.stackIss) {
      incarnation.stackIss = segment.seq;
      incarnation.stackMax = seqAdd(segment.seq, 1);
    }
    if (syn) {
      incarnation.scale =
        segment.windowScale !== undefined && handshake.windowScale !== undefined
          ? Math.min(handshake.windowScale, 14)
          : 0;
    }
    if (rst || incarnation.stackIss === undefined) {
      if (this.onPeerSegment !== undefined) this.onPeerSegment(segment);
      else this.peer.receive(segment);
      return;
    }
    const length = segment.payload.length;
    const end = seqAdd(
      segment.seq,
      length + (syn ? 1 : 0) + ((flags & TcpFlags.fin) !== 0 ? 1 : 0),
    );
    if (seqGt(end, incarnation.stackMax)) incarnation.stackMax = end;
    if ((flags & TcpFlags.ack) !== 0) this.#checkAck(segment, text, incarnation);
    if (length > 0) {
      this.#checkWindow(segment, text, incarnation);
      this.#checkSentData(segment, text, id, incarnation.stackIss);
      if (this.#peerLoses > 0) {
        this.#peerLoses--;
        this.trace.push("    (lost on the way to the peer)");
        return;
      }
    }
    if (this.onPeerSegment !== undefined) this.onPeerSegment(segment);
    else this.peer.receive(segment);
  }

  #checkAck(segment: ParsedSegment, text: string, incarnation: Incarnation): void {
    const ack = segment.ack;
    let covered = false;
    for (const syn of this.#synSeqs) {
      if (seqGt(ack, syn) && seqLte(ack, this.#endFrom(syn))) {
        covered = true;
        break;
      }
    }
    if (!covered) {
      const ends = [...this.#synSeqs].map((syn) => `${syn}→${this.#endFrom(syn)}`).join(", ");
      this.violate(
        "ackBound",
        `${text} acknowledges ${ack}, beyond every run of sequence numbers the peer sent from a SYN (${ends || "no SYN"})`,
      );
    }
    if (incarnation.maxAck === undefined || seqGt(ack, incarnation.maxAck)) {
      incarnation.maxAck = ack;
    }
  }

  #checkWindow(segment: ParsedSegment, text: string, incarnation: Incarnation): void {
    const iss = incarnation.stackIss ?? 0;
    const edge = incarnation.edge;
    if (edge === undefined) {
      this.violate("window", `${text}: data before the peer acknowledged our SYN with a window`);
      return;
    }
    const start = seqDiff(segment.seq, iss);
    const end = start + segment.payload.length;
    const probe = end - start === 1 && start === edge;
    if (end > edge && !probe) {
      this.violate(
        "window",
        `${text}: data up to ${seqAdd(iss, end)}, ${end - edge} bytes beyond the right edge ${seqAdd(iss, edge)} the peer advertised`,
      );
      return;
    }
  }

  #checkSentData(segment: ParsedSegment, text: string, id: number, iss: number): void {
    const record = this.sockets.find((candidate) => candidate.incarnation === id);
    if (record === undefined) {
      this.violate("sentData", `${text}: data from a connection no application wrote to`);
      return;
    }
    const offset = seqDiff(segment.seq, seqAdd(iss, 1));
    const length = segment.payload.length;
    if (offset < 0 || offset + length > record.writtenLength) {
      this.violate(
        "sentData",
        `${text}: bytes ${offset}..${offset + length} of a stream of ${record.writtenLength} written`,
      );
      return;
    }
    const written = concat(record.written);
    for (let i = 0; i < length; i++) {
      if (segment.payload[i] !== written[offset + i]) {
        this.violate("sentData", `${text}: byte ${offset + i} differs from what was written`);
        return;
      }
    }
  }

  /** Each socket's bytes are the peer's, in order from some SYN, each once; acknowledged ones arrive. */
  #checkDelivery(final: boolean): void {
    for (const record of this.sockets) {
      const delivered = concat(record.delivered);
      const length = delivered.length;
      if (length === 0 && !record.ended) continue;
      // The bytes must follow one of the peer's SYNs, in order and each once, as far as the peer
      // sent them in order; "end" must sit on a FIN; and while the socket lives, everything the
      // receiver acknowledged must have reached it.
      const live = final && !record.socket.destroyed;
      const maxAck = live ? this.#incarnations.get(record.incarnation)?.maxAck : undefined;
      let complaint = `its ${length} bytes are not the peer's in-order bytes after any SYN it sent`;
      let satisfied = false;
      for (const syn of this.#synSeqs) {
        let matches = true;
        for (let i = 0; i < length && matches; i++) {
          matches = delivered[i] === sequenceByte(seqAdd(syn, 1 + i));
        }
        if (!matches || !seqLte(seqAdd(syn, 1 + length), this.#endFrom(syn))) continue;
        const finSeq = seqAdd(syn, 1 + length);
        if (record.ended && !this.#covered.has(finSeq)) {
          complaint = `"end" after ${length} bytes, without a FIN at ${finSeq}`;
          continue;
        }
        if (maxAck !== undefined) {
          const acknowledged = seqDiff(maxAck, seqAdd(syn, 1));
          if (acknowledged > length + (record.ended ? 1 : 0)) {
            complaint = `${acknowledged} sequence numbers acknowledged, ${length} bytes delivered${record.ended ? " and the end" : ""}`;
            continue;
          }
        }
        satisfied = true;
        break;
      }
      if (!satisfied) this.violate("delivery", `socket ${record.index}: ${complaint}`);
    }
  }

  #noteStates(): void {
    const newest = this.sockets[this.sockets.length - 1];
    if (this.options.verbose && newest !== undefined) {
      const info = newest.socket.getInfo();
      this.trace.push(
        `  = ${info.state} sndWnd ${info.sendWindow} cwnd ${info.cwnd} inFlight ${info.bytesInFlight} unsent ${info.bytesUnsent} rcvWnd ${info.receiveWindow} retransmits ${info.retransmits}`,
      );
    }
    for (const record of this.sockets) {
      const state = record.socket.getInfo().state;
      statesSeen.set(state, (statesSeen.get(state) ?? 0) + 1);
    }
  }

  async #finish(): Promise<void> {
    for (const [name, value] of Object.entries(this.receiver.stats)) {
      if (typeof value === "number")
        statisticsSeen.set(name, (statisticsSeen.get(name) ?? 0) + value);
    }
    this.#refusing = false;
    await this.#yield();
    for (const record of this.sockets) if (!record.socket.destroyed) record.socket.resume();
    await this.#yield();
    await this.#yield();
    this.#checkDelivery(true);
    try {
      this.receiver.close();
    } catch (error) {
      this.#caught("close", error);
    }
    await this.#yield();
    this.#advance(300_000);
    try {
      this.ledger.assertSettled();
      this.transmitter.assertClean();
    } catch (error) {
      this.violate("ownership", error instanceof Error ? error.message : String(error));
    }
    if (this.transmitter.outstanding > 0) {
      this.violate("ownership", `${this.transmitter.outstanding} lent buffers outstanding`);
    }
  }

  /** The violations of `property`, with the run's trace. */
  report(property: Property): string | undefined {
    const list = this.violations.get(property);
    if (list === undefined || list.length === 0) return undefined;
    return `${list.join("\n")}\n--- trace (last 80 lines) ---\n${this.trace.slice(-80).join("\n")}`;
  }
}

export async function execute(config: RunConfig, options: HarnessOptions = {}): Promise<Harness> {
  const harness = new Harness(config, options);
  await harness.run();
  return harness;
}
