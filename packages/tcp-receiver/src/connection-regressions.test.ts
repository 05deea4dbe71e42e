// Regression tests for defects the property tests found, each a deterministic run of the same
// harness (test-support/tcp-harness.ts) with the oracle's checks.
import { TcpFlags } from "@magma/packets";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type Action,
  Harness,
  noteUncaught,
  type RunConfig,
  TWO_32,
} from "./test-support/tcp-harness.js";
import { craftSegment, describeSegment, parseSegment } from "./test-support/tcp-model-peer.js";

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance", "Date"],
  });
  process.on("uncaughtException", noteUncaught);
});

afterEach(() => {
  process.off("uncaughtException", noteUncaught);
  vi.useRealTimers();
});

/** An established passive connection: no options either way, the peer's window 200 bytes. */
function plain(actions: Action[], peerWindow = 200): RunConfig {
  return {
    version: 4,
    target: "established",
    peerIss: TWO_32 - 1,
    stackIssBelowWrap: null,
    handshake: {},
    receiver: { sack: false, timestamps: false, windowScaling: false },
    refuseOneIn: 0,
    seed: 1,
    allowHalfOpen: true,
    peerWindow,
    slack: 0,
    actions,
  };
}

describe("defects the property tests found stay fixed", () => {
  // 1. A retransmission carries new data past SND.MAX, beyond the peer's window.
  //
  //   peer  [S]  seq P        win 200                 (no options)
  //   stack [S.] seq X ack P+1
  //   peer  [.]  seq P+1 ack X+1 win 200
  //   app   write(201 bytes)
  //   stack [P.] seq X+1 len 200                      (window-limited: 200 of 201)
  //   peer  [.]  seq P+1 ack X+1 win 200              (one duplicate ACK)
  //   stack [P.] seq X+1 len 201                      <- ends at X+202, the peer offered up to X+201
  //
  // The duplicate ACK triggers RFC 5827 early retransmit (one segment outstanding, no room for
  // new data); #retransmitAt sizes the segment as min(SMSS, data end - position, next SACKed -
  // position), never clamped to SND.MAX, so the "retransmission" also carries the 201st byte,
  // never sent before, beyond SND.UNA + SND.WND (RFC 9293 §3.8.6: the window is the range the
  // receiver is prepared to accept; RFC 5681 §3.2 / RFC 5827 retransmit what was sent).
  it("a retransmission stays within SND.MAX and the peer's window", async () => {
    const harness = new Harness(
      plain([
        { kind: "write", length: 201 },
        { kind: "yield" },
        {
          kind: "segment",
          flags: TcpFlags.ack,
          seqBase: "nxt",
          seqDelta: 0,
          ackBase: "stackIss",
          ackDelta: 1,
          window: 200,
          length: 0,
          options: { kind: "default" },
          corrupt: undefined,
          urgent: false,
        },
        { kind: "flush" },
      ]),
    );
    await harness.run();
    expect(harness.report("window")).toBeUndefined();
  });

  // 2. A stale SND.WND applied from a newer SND.UNA, with an honest peer (loss + retransmission).
  //
  //   peer  [S]  seq P  win 1000;  stack [S.] seq X ack P+1;  peer [.] seq P+1 ack X+1 win 1000
  //   app   write(3000)
  //   stack [.]  seq X+1 len 536
  //   peer  [.]  seq P+101 ack X+537 win 1000 len 100    (its bytes P+1 .. P+101 were lost)
  //   stack [.]  seq X+537 len 536
  //   peer  [.]  seq P+1 ack X+1073 win 200 len 100      (retransmits them, acknowledging all)
  //   stack [.]  seq X+1073 len 536                      <- ends at X+1609; the peer offered at
  //                                                         most X+537+1000 = X+1537, and now
  //                                                         X+1073+200 = X+1273
  //
  // The out-of-order segment set SND.WL1 = P+101; the retransmission at P+1 is "older", so RFC
  // 9293 §3.10.7.4's WL1/WL2 test keeps SND.WND = 1000 while SND.UNA moves on to X+1073: the
  // right edge becomes X+2073, beyond every edge the peer advertised. Linux's
  // tcp_may_update_window also takes the window of any ACK that advances SND.UNA
  // (after(ack, snd_una)), so the edge stays one the peer sent.
  it("an ACK that advances SND.UNA updates the window even from an older sequence number", async () => {
    const harness = new Harness(
      plain(
        [
          { kind: "write", length: 3000 },
          { kind: "yield" },
          { kind: "data", delta: 100, length: 100, fin: false, ackDelta: 0 },
          { kind: "flush" },
          { kind: "setWindow", bytes: 200 },
          { kind: "data", delta: 0, length: 100, fin: false, ackDelta: 0 },
          { kind: "flush" },
          { kind: "yield" },
        ],
        1000,
      ),
    );
    await harness.run();
    expect(harness.report("window")).toBeUndefined();
  });

  // 3. A full-sized segment with SACK blocks outgrows the MTU: the transmitter throws.
  //
  //   (IPv4, MTU 1500, SACK agreed, no timestamps, the peer's MSS 1460)
  //   peer  [.]  seq P+101 len 10                     (a hole at P+1: the receiver now SACKs)
  //   app   write(1460)
  //   stack tryGetNextBuffer(1512) -> PacketLengthError, thrown out of output() in a microtask
  //
  // #sendMss subtracts the timestamp option (12 bytes) from the MSS but not SACK blocks (4 + 8 per
  // block), so 20 + 20 + 12 + 1460 = 1512 bytes. RFC 6691 §2: "the sender MUST reduce the TCP
  // data length to account for any IP or TCP options that it is including". With timestamps as
  // well it is 20 + 20 + 12 + 12 + 1448 = 1512 again. The throw escapes a queueMicrotask callback
  // (an uncaught exception kills a Node process by default) and aborts #runOutput half-way, so
  // connections later in that round keep outputQueued = true and are never queued again. A
  // transmitter with a larger maxPacketLength (wintun: 65535) sends the 1512-byte packet instead,
  // which a 1500-byte path drops (DF is set).
  it("segments with SACK blocks still fit the MTU", async () => {
    const harness = new Harness({
      ...plain(
        [
          { kind: "data", delta: 100, length: 10, fin: false, ackDelta: 0 },
          { kind: "flush" },
          { kind: "write", length: 1460 },
          { kind: "yield" },
        ],
        65535,
      ),
      handshake: { mss: 1460, sackPermitted: true },
      receiver: { sack: true, timestamps: false, windowScaling: false },
    });
    await harness.run();
    expect(harness.report("noThrow")).toBeUndefined();
    expect(harness.report("wellFormed")).toBeUndefined();
  });

  // 4. Without window scaling, every read of the application sends an ACK that changes nothing.
  //
  //   (the peer offers no window scale; receiveBufferSize 1 MiB, the default)
  //   peer  [S] seq P;  stack [S.] seq X ack P+1 win 65535;  peer [.] seq P+1 ack X+1
  //   stack [.] seq X+1 ack P+1 win 65535             <- neither the ACK nor the window moved
  //   peer  [.] seq P+1 len 100
  //   stack [.] ack P+101 win 65535, at once          <- the 40 ms delayed ACK is skipped
  //
  // #checkWindowUpdate compares the free buffer (1 MiB) with the advertised window, which cannot
  // exceed 65535 << RCV.WIND.SHIFT (here 65535): "available >= 2 * advertised" always holds, so
  // every _read() sets ackNow. It should compare what the window field can actually announce
  // (min(available, 0xffff << scale)), as RFC 9293 §3.8.6.2.2 sends an update only when the right
  // edge moves by min(MSS, buffer / 2).
  it("no ACK that moves neither the ACK nor the right edge, and delayed ACKs stay delayed", async () => {
    const harness = new Harness(
      {
        ...plain(
          [
            { kind: "yield" },
            { kind: "data", delta: 0, length: 100, fin: false, ackDelta: 0 },
            { kind: "flush" },
            { kind: "yield" },
          ],
          65535,
        ),
        receiver: { sack: false, timestamps: false, windowScaling: true },
      },
      {},
    );
    await harness.run();
    const sent = harness.transmitter.sent.map((packet) => parseSegment(packet));
    // The SYN-ACK, then nothing before the 40 ms delayed-ACK timer (the run's end resets).
    const beforeClose = sent.filter((segment) => (segment.flags & TcpFlags.rst) === 0);
    expect(beforeClose.map((segment) => describeSegment(segment))).toEqual([
      expect.stringMatching(/^\[S\.\]/),
    ]);
  });

  // 5. An IPv4 header with a wrong checksum is accepted.
  //
  //   peer  [S] seq P, IPv4 header checksum corrupted
  //   stack [S.] ack P+1                             <- a connection from a corrupt header
  //
  // RFC 1122 §3.2.1.2: "A host MUST verify the IP header checksum on every received datagram and
  // silently discard every datagram that has a bad checksum." tryConsume checks the TCP checksum
  // (with the pseudo-header) but never the IPv4 header's own; a corrupted TTL, DSCP, ID or
  // fragment field passes.
  it("drops IPv4 packets whose header checksum is wrong", () => {
    const harness = new Harness(plain([]));
    const packet = craftSegment(harness.link, { seq: 1000, flags: TcpFlags.syn, window: 1000 });
    packet[8] = 1; // TTL 64 -> 1, checksum left as it was
    harness.ledger.offer(harness.receiver, packet);
    expect(harness.receiver.connectionCount).toBe(0);
    expect(harness.transmitter.sent).toEqual([]);
    harness.receiver.close();
  });

  // 6. A window taken from an ACK older than SND.UNA, applied from SND.UNA.
  //
  //   (no options; the peer's MSS 1000, its window 1000)
  //   stack [P.] seq X+1 len 100
  //   peer  [.]  seq P+1  ack X+101 win 1000 len 10
  //   peer  [.]  seq P+11 ack X+1   win 5000 len 10    (an old ACK in a newer segment)
  //   app   write(6000)
  //   stack sends X+101 .. X+5101                      <- the peer offered X+1+5000 = X+5001
  //
  // #processAck calls #updateSendWindow whatever the ACK; the WL1/WL2 test passes (newer SEG.SEQ),
  // so SND.WND = 5000 is applied from SND.UNA = X+101. RFC 9293 §3.10.7.4 updates the window only
  // "If SND.UNA =< SEG.ACK =< SND.NXT" (an older ACK "can be ignored"); Linux's tcp_ack sends such
  // an ACK to old_ack, which leaves the window alone. An honest peer never sends it; the effect
  // is data beyond the window, which the peer trims.
  it("an ACK older than SND.UNA does not update the window", async () => {
    const harness = new Harness({
      ...plain(
        [
          { kind: "noDelay", on: true },
          { kind: "write", length: 100 },
          { kind: "yield" },
          { kind: "data", delta: 0, length: 10, fin: false, ackDelta: 0 },
          { kind: "flush" },
          { kind: "setWindow", bytes: 5000 },
          { kind: "data", delta: 0, length: 10, fin: false, ackDelta: -100 },
          { kind: "flush" },
          { kind: "write", length: 6000 },
          { kind: "yield" },
        ],
        1000,
      ),
      handshake: { mss: 1000 },
    });
    await harness.run();
    expect(harness.report("window")).toBeUndefined();
  });

  // 7. The window property held strictly to the peer's own right edges (finds 1, 2 and 6).

  // 8. Out-of-order data beyond the peer's FIN stays held, and every later segment SACKs it.
  //
  //   (SACK agreed, no timestamps)
  //   peer  [.]  seq P+2 len 300                      (a hole at P+1: held, SACKed)
  //   peer  [F.] seq P+1                              (the FIN fills the hole: CLOSE-WAIT)
  //   stack [.]  ack P+2 sack P+2..P+302              <- a block at the ACK, past the stream's end
  //
  // #receiveFin moved RCV.NXT past the FIN but left the reassembly queue as it was; from
  // CLOSE-WAIT on no text is accepted, so the queue never drained and every later ACK and data
  // segment reported it (RFC 2018 §3 blocks lie above the ACK). Linux's tcp_fin() drops what it
  // holds after a FIN. Longer property runs found two more ways in: a FIN held beyond a hole, then text past
  // it, then the hole filled.
  const fin = (delta: number, length: number): Action => ({
    kind: "data",
    delta,
    length,
    fin: true,
    ackDelta: 0,
  });
  const text = (delta: number, length: number): Action => ({
    kind: "data",
    delta,
    length,
    fin: false,
    ackDelta: 0,
  });
  const flush: Action = { kind: "flush" };
  const yieldToLoop: Action = { kind: "yield" };

  /** Runs `actions` with SACK agreed (no timestamps); every segment sent and the delivery checked. */
  async function runWithSack(actions: Action[]): Promise<Harness> {
    const harness = new Harness({
      ...plain(actions, 65535),
      handshake: { sackPermitted: true },
      receiver: { sack: true, timestamps: false, windowScaling: false },
    });
    await harness.run();
    expect(harness.report("wellFormed")).toBeUndefined();
    expect(harness.report("delivery")).toBeUndefined();
    return harness;
  }

  it("drops what it holds out of order when a FIN fills the hole before it", async () => {
    const harness = await runWithSack([text(1, 300), flush, fin(0, 0), flush, yieldToLoop]);
    expect(harness.receiver.stats.bytesAfterFinDropped).toBe(300);
  });

  it("drops text that comes after a FIN held beyond a hole, and delivers what precedes it", async () => {
    const harness = await runWithSack([
      fin(1, 2), // bytes 1..2 and the FIN at 3, beyond the hole at 0
      flush,
      text(3, 1), // past the FIN
      flush,
      text(0, 1), // the hole: bytes 0..2 and the FIN are in
      flush,
      { kind: "write", length: 100 },
      yieldToLoop,
    ]);
    expect(harness.sockets[0]?.deliveredLength).toBe(3);
    expect(harness.sockets[0]?.ended).toBe(true);
    expect(harness.receiver.stats.bytesAfterFinDropped).toBe(1);
  });

  it("drops held text a later FIN shows to lie beyond the stream's end", async () => {
    const harness = await runWithSack([
      text(5, 10),
      flush,
      fin(1, 2),
      flush,
      text(0, 1),
      flush,
      yieldToLoop,
    ]);
    expect(harness.sockets[0]?.deliveredLength).toBe(3);
    expect(harness.receiver.stats.bytesAfterFinDropped).toBe(10);
  });
});
