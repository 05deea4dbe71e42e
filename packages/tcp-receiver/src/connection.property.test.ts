import { seqAdd, seqDiff, seqGt, seqGte, seqLt } from "@magma/packets";
import type { PacketOwner } from "@magma/transport";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TcpReceiverOptions } from "./tcp-receiver-options.js";
import {
  MemoryTransmitter,
  OwnershipError,
  PacketLedger,
  packetOwner,
} from "./test-support/memory-transmitter.js";
import {
  END,
  execute,
  Harness,
  type HarnessOptions,
  noteUncaught,
  PROPERTIES,
  type Property,
  prefixOf,
  type RunConfig,
  runArb,
  statesSeen,
  statisticsSeen,
  TARGET_STATE,
  TARGETS,
  TWO_32,
} from "./test-support/tcp-harness.js";
import {
  type HandshakeOptions,
  type ParsedSegment,
  type SegmentSpec,
  sequenceBytes,
} from "./test-support/tcp-model-peer.js";

// In-memory property tests of the TCP stack: a model peer (test-support/tcp-model-peer.ts) drives
// a receiver over a MemoryTransmitter through random segment sequences in every state, with the
// application reading, writing, ending and destroying, and time moving under fake timers; an
// oracle (test-support/tcp-harness.ts) checks every packet the receiver sends.
//
// MAGMA_PROPERTY_RUNS and MAGMA_STREAM_RUNS / MAGMA_STREAM_SEED set the runs;
// MAGMA_PROPERTY_REPLAY=run.json replays one run (the JSON a failure prints) with its trace;
// MAGMA_PROPERTY_STATS=1 prints the states and statistics the runs reached.

const HARNESS_OPTIONS: HarnessOptions = {};

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance", "Date"],
  });
  process.on("uncaughtException", noteUncaught);
});

afterEach(() => {
  process.off("uncaughtException", noteUncaught);
  vi.useRealTimers();
  if (process.env.MAGMA_PROPERTY_STATS === "1") {
    console.log(Object.fromEntries([...statesSeen].sort((a, b) => b[1] - a[1])));
    console.log(Object.fromEntries(statisticsSeen));
  }
});

const NUM_RUNS = Number(process.env.MAGMA_PROPERTY_RUNS ?? 200);

function checkProperty(property: Property): Promise<void> {
  return fc.assert(
    fc.asyncProperty(runArb, async (config) => {
      const harness = await execute(config, HARNESS_OPTIONS);
      const report = harness.report(property);
      if (report !== undefined)
        throw new Error(`${report}\n--- run ---\n${JSON.stringify(config)}`);
    }),
    { numRuns: NUM_RUNS },
  );
}

describe("the in-memory fakes", () => {
  it("MemoryTransmitter throws on every breach of the lend/send/discard contract", () => {
    const transmitter = new MemoryTransmitter({ maxPacketLength: 100 });
    expect(() => transmitter.tryGetNextBuffer(101)).toThrow(/at most 100/);
    const buffer = transmitter.tryGetNextBuffer(60)!;
    expect(buffer.length).toBe(60);
    expect(transmitter.outstanding).toBe(1);
    expect(() => transmitter.assertClean()).toThrow(OwnershipError);
    expect(() => transmitter.sendBuffer(new Uint8Array(60))).toThrow(/not lent/);
    expect(() => transmitter.sendBuffer(buffer.subarray(1))).toThrow(/does not start/);
    expect(() => transmitter.sendBuffer(buffer, 61)).toThrow(/not within/);
    transmitter.sendBuffer(buffer.subarray(0, 40), 20);
    expect(transmitter.takeSent().map((packet) => packet.length)).toEqual([20]);
    expect(() => transmitter.sendBuffer(buffer)).toThrow(/already sent/);
    expect(() => transmitter.discardBuffer(buffer)).toThrow(/already sent/);
    buffer[0] = 1; // a write after the buffer went back
    expect(() => transmitter.assertClean()).toThrow(/written to after/);
    const other = transmitter.tryGetNextBuffer()!;
    expect(other.length).toBe(100);
    transmitter.discardBuffer(other);
    transmitter.closed = true;
    expect(transmitter.tryGetNextBuffer()).toBeUndefined();
    transmitter.assertClean();
  });

  it("a PacketOwner counts its disposals and spoils its memory; the ledger checks the receiver", () => {
    const owner = packetOwner(Uint8Array.of(1, 2, 3), 5);
    expect(owner.memory.length).toBe(8);
    expect(owner.length).toBe(3);
    owner.dispose();
    expect(owner.memory[0]).toBe(0xdd);
    expect(() => owner.dispose()).toThrow(OwnershipError);
    const ledger = new PacketLedger();
    const keeper = { tryConsume: () => null, flushPendingAcks: () => {} };
    ledger.offer(keeper, Uint8Array.of(1));
    expect(() => ledger.assertSettled()).toThrow(/not disposed exactly once/);
    const impostor = {
      tryConsume: <T extends PacketOwner>(_input: T): T => packetOwner(Uint8Array.of(1)) as never,
      flushPendingAcks: () => {},
    };
    expect(() => ledger.offer(impostor, Uint8Array.of(1))).toThrow(/neither null nor its input/);
  });
});

describe("TcpTransportReceiver against a model peer", () => {
  it.each(TARGETS)("the scripted prefix for %s reaches its state", async (target) => {
    const harness = new Harness({
      version: 4,
      target,
      peerIss: TWO_32 - 10,
      stackIssBelowWrap: null,
      handshake: { mss: 1000, windowScale: 7, sackPermitted: true, timestamps: true },
      receiver: {},
      refuseOneIn: 0,
      seed: 42,
      allowHalfOpen: true,
      peerWindow: 65535,
      slack: 0,
      actions: [],
    });
    await harness.steps(prefixOf(target));
    const socket = harness.sockets[harness.sockets.length - 1]?.socket;
    expect(socket?.getInfo().state).toBe(TARGET_STATE[target]);
    if (target === "synReceived") expect(harness.receiver.connectionCount).toBe(1);
    if (target === "listen") expect(harness.receiver.connectionCount).toBe(0);
    for (const property of PROPERTIES) expect(harness.report(property)).toBeUndefined();
    harness.receiver.close();
  });

  it("nothing throws out of tryConsume, flushPendingAcks, timers or socket calls", () =>
    checkProperty("noThrow"));

  it("every packet sent is a well-formed IPv4/IPv6 TCP segment with correct checksums", () =>
    checkProperty("wellFormed"));

  it("no data is sent beyond the peer's advertised window, except a 1-byte probe", () =>
    checkProperty("window"));

  it("no ACK acknowledges a sequence number the peer did not send in order after its SYN", () =>
    checkProperty("ackBound"));

  it("every taken packet is disposed once, declined ones never; every loan comes back", () =>
    checkProperty("ownership"));

  it("the application reads the peer's in-order bytes, each once, all that were acknowledged", () =>
    checkProperty("delivery"));

  it("every byte sent is the application's byte at that sequence number", () =>
    checkProperty("sentData"));

  // MAGMA_PROPERTY_REPLAY=file.json replays one counterexample and prints its trace.
  it.runIf(process.env.MAGMA_PROPERTY_REPLAY !== undefined)("replays a run", async () => {
    const { readFileSync } = await import("node:fs");
    const config = JSON.parse(
      readFileSync(process.env.MAGMA_PROPERTY_REPLAY ?? "", "utf8"),
    ) as RunConfig;
    const harness = new Harness(config, { ...HARNESS_OPTIONS, verbose: true });
    await harness.run();
    console.log(harness.trace.join("\n"));
    for (const property of PROPERTIES) console.log(property, harness.violations.get(property));
  });
});

// ---------------------------------------------------------------- a whole transfer each way

interface StreamConfig {
  readonly version: 4 | 6;
  /** Just below 2^32, so that the peer's bytes cross the wrap. */
  readonly peerIss: number;
  /** As much below 2^32 for the receiver's ISS, so that the application's bytes cross it too. */
  readonly stackIssBelowWrap: number;
  readonly handshake: HandshakeOptions;
  readonly receiver: TcpReceiverOptions;
  readonly peerBytes: number;
  readonly appBytes: number;
  /** Each way, per data segment. */
  readonly loss: number;
  /** Per pure ACK of the peer's. */
  readonly ackLoss: number;
  readonly duplicate: number;
  /** The chance a packet is held back one to three rounds. */
  readonly reorder: number;
  readonly peerSegmentMax: number;
  /** The application stops reading for a while about once in this many rounds (0: never). */
  readonly pauseEvery: number;
  readonly seed: number;
}

const streamArb: fc.Arbitrary<StreamConfig> = fc.record({
  version: fc.constantFrom(4 as const, 6 as const),
  peerIss: fc.integer({ min: 2, max: 20_000 }).map((below) => TWO_32 - below),
  stackIssBelowWrap: fc.integer({ min: 300, max: 20_000 }),
  handshake: fc.record({
    mss: fc.constantFrom(536, 1000, 1460),
    windowScale: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
    sackPermitted: fc.boolean(),
    timestamps: fc.boolean(),
  }),
  receiver: fc.record({
    sack: fc.boolean(),
    timestamps: fc.boolean(),
    windowScaling: fc.boolean(),
    congestionControl: fc.constantFrom("cubic" as const, "newreno" as const),
    receiveBufferSize: fc.constantFrom(65536, 1 << 20),
    delayedAckMs: fc.constantFrom(0, 40),
  }),
  peerBytes: fc.integer({ min: 30_000, max: 120_000 }),
  appBytes: fc.integer({ min: 30_000, max: 120_000 }),
  loss: fc.constantFrom(0, 0.02, 0.05, 0.1),
  ackLoss: fc.constantFrom(0, 0.1, 0.3),
  duplicate: fc.constantFrom(0, 0.03),
  reorder: fc.constantFrom(0, 0.05, 0.2),
  peerSegmentMax: fc.constantFrom(100, 536, 1400),
  pauseEvery: fc.constantFrom(0, 60),
  seed: fc.integer({ min: 1, max: 0x7fffffff }),
});

const ROUND_MS = 5;
const MAX_ROUNDS = 20_000;
/** Rounds without progress before the peer goes back to its oldest unacknowledged byte. */
const PEER_RTO_ROUNDS = 60;

interface StreamOutcome {
  readonly harness: Harness;
  readonly rounds: number;
  readonly finished: boolean;
  readonly status: string;
}

/**
 * A bulk transfer each way over a network that loses, duplicates and reorders: the model peer
 * sends `peerBytes` in segments of random sizes within the receiver's window (going back to its
 * oldest unacknowledged byte after a silence, probing a zero window) and ACKs everything it gets
 * with SACK blocks; the application writes `appBytes` in random chunks, reads (pausing now and
 * then), and ends. Time moves ROUND_MS per round.
 */
async function runStream(config: StreamConfig): Promise<StreamOutcome> {
  const harness = new Harness(
    {
      version: config.version,
      target: "established",
      peerIss: config.peerIss,
      stackIssBelowWrap: config.stackIssBelowWrap,
      handshake: config.handshake,
      receiver: config.receiver,
      refuseOneIn: 0,
      seed: config.seed,
      allowHalfOpen: true,
      peerWindow: config.handshake.windowScale === undefined ? 65535 : 1 << 20,
      slack: 0,
      actions: [],
    },
    HARNESS_OPTIONS,
  );
  let state = config.seed >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 2 ** 32;
  };
  await harness.begin();
  const peer = harness.peer;
  const record = harness.sockets[0];
  if (record === undefined) throw new Error("the handshake did not produce a socket");
  const socket = record.socket;

  const toStack: { spec: SegmentSpec; due: number }[] = [];
  const toPeer: { segment: ParsedSegment; due: number }[] = [];
  let round = 0;
  const delay = (): number => (random() < config.reorder ? 1 + Math.floor(random() * 3) : 0);
  harness.onPeerSegment = (segment) => {
    if (segment.payload.length > 0 && random() < config.loss) return;
    toPeer.push({ segment, due: round + delay() });
    if (random() < config.duplicate) toPeer.push({ segment, due: round + delay() });
  };
  const send = (spec: SegmentSpec): void => {
    const data = (spec.payload?.length ?? 0) > 0;
    if (random() < (data ? config.loss : config.ackLoss)) return;
    toStack.push({ spec, due: round + delay() });
    if (random() < config.duplicate) toStack.push({ spec, due: round + delay() });
  };

  const dataStart = peer.sndNxt;
  const dataEnd = seqAdd(dataStart, config.peerBytes);
  const finEnd = seqAdd(dataEnd, 1);
  const timestampBytes = config.handshake.timestamps === true ? 12 : 0;
  const segmentMax = Math.min(
    config.peerSegmentMax,
    (peer.stackOptions.mss ?? 536) - timestampBytes - 36,
  );
  let sendNext = dataStart;
  let lastUna = peer.sndUna;
  let stalled = 0;
  let written = 0;
  let ended = false;
  let pausedUntil = -1;
  const finished = (): boolean =>
    record.deliveredLength === config.peerBytes &&
    record.ended &&
    peer.receivedLength === config.appBytes &&
    peer.stackFinReceived &&
    seqGte(peer.sndUna, finEnd);

  for (round = 0; round < MAX_ROUNDS && !finished(); round++) {
    // The application writes, ends, and pauses its reading now and then.
    if (!ended && !socket.destroyed) {
      if (written < config.appBytes && socket.writableLength < 65536) {
        const length = Math.min(config.appBytes - written, 1 + Math.floor(random() * 8000));
        harness.step({ kind: "write", length });
        written += length;
      } else if (written >= config.appBytes) {
        harness.step(END);
        ended = true;
      }
    }
    if (config.pauseEvery > 0 && pausedUntil < 0 && random() < 1 / config.pauseEvery) {
      harness.step({ kind: "pause" });
      pausedUntil = round + 1 + Math.floor(random() * 40);
    } else if (pausedUntil >= 0 && round >= pausedUntil) {
      harness.step({ kind: "resume" });
      pausedUntil = -1;
    }

    // The peer takes in what arrived and acknowledges it.
    let acknowledge = false;
    for (let i = 0; i < toPeer.length; ) {
      const entry = toPeer[i]!;
      if (entry.due > round) {
        i++;
        continue;
      }
      toPeer.splice(i, 1);
      peer.receive(entry.segment);
      if (entry.segment.payload.length > 0 || (entry.segment.flags & 0x01) !== 0) {
        acknowledge = true;
      }
    }
    if (acknowledge) send(peer.ack());

    // The peer sends within the receiver's window, goes back after a silence, probes a zero window.
    const una = peer.sndUna;
    if (seqGt(una, lastUna)) {
      lastUna = una;
      stalled = 0;
    } else if (seqLt(una, finEnd)) {
      stalled++;
    }
    if (seqLt(sendNext, una)) sendNext = una;
    if (stalled >= PEER_RTO_ROUNDS) {
      sendNext = una;
      stalled = 0;
    }
    for (let budget = 16; budget > 0; budget--) {
      if (seqLt(sendNext, dataEnd)) {
        const room = seqDiff(peer.stackRightEdge, sendNext);
        const inFlight = seqDiff(sendNext, una);
        if (room <= 0) {
          if (inFlight === 0 && stalled >= PEER_RTO_ROUNDS / 2) {
            send(peer.data(sendNext, 1));
            sendNext = seqAdd(sendNext, 1);
          }
          break;
        }
        if (inFlight >= 96 * 1024) break;
        const length = Math.min(
          1 + Math.floor(random() * segmentMax),
          seqDiff(dataEnd, sendNext),
          room,
        );
        send(peer.data(sendNext, length));
        sendNext = seqAdd(sendNext, length);
      } else {
        if (sendNext === dataEnd) {
          send(peer.data(dataEnd, 0, { fin: true }));
          sendNext = finEnd;
        }
        break;
      }
    }

    // The network delivers what is due, in the order it comes; the batch ends; time moves on.
    for (let i = 0; i < toStack.length; ) {
      const entry = toStack[i]!;
      if (entry.due > round) {
        i++;
        continue;
      }
      toStack.splice(i, 1);
      harness.deliver(entry.spec);
    }
    harness.flush();
    await harness.step({ kind: "advance", ms: ROUND_MS });
  }
  if (pausedUntil >= 0) harness.step({ kind: "resume" });
  const status = `after ${round} rounds: delivered ${record.deliveredLength}/${config.peerBytes}${record.ended ? " + end" : ""}, the peer got ${peer.receivedLength}/${config.appBytes}${peer.stackFinReceived ? " + FIN" : ""}, its FIN ${seqGte(peer.sndUna, finEnd) ? "" : "not "}acknowledged; ${JSON.stringify(socket.getInfo())}`;
  const done = finished();
  harness.onPeerSegment = undefined;
  await harness.finish();
  return { harness, rounds: round, finished: done, status };
}

describe("TcpTransportReceiver moves whole streams through a lossy network", () => {
  it("both streams arrive intact, across 2^32, with loss, duplication, reordering and ACK loss", () =>
    fc.assert(
      fc.asyncProperty(streamArb, async (config) => {
        const { harness, finished, status } = await runStream(config);
        const record = harness.sockets[0]!;
        const failures = PROPERTIES.map((property) => harness.report(property)).filter(
          (report) => report !== undefined,
        );
        if (failures.length > 0) throw new Error(failures.join("\n"));
        if (!finished) throw new Error(`the transfer did not finish: ${status}`);
        const peerStart = seqAdd(config.peerIss, 1);
        expect(Buffer.concat(record.delivered)).toEqual(
          Buffer.from(sequenceBytes(peerStart, config.peerBytes)),
        );
        expect(Buffer.from(harness.peer.received)).toEqual(Buffer.concat(record.written));
        // Both directions crossed 2^32.
        expect(seqAdd(peerStart, config.peerBytes)).toBeLessThan(peerStart);
        const stackStart = seqAdd(harness.peer.stackIss ?? 0, 1);
        expect(seqAdd(stackStart, config.appBytes)).toBeLessThan(stackStart);
      }),
      {
        numRuns: Number(process.env.MAGMA_STREAM_RUNS ?? 10),
        seed: Number(process.env.MAGMA_STREAM_SEED ?? 20261204),
      },
    ));
});
