// Crafted-segment tests: the rules a well-behaved peer never exercises. fixtures/tcp_crafter.py
// (scapy) writes hand-made segments onto the adapter from 198.18.<subnet>.9, an address of the
// adapter's subnet that the namespace does not hold, and captures the receiver's replies there;
// the kernel drops those replies instead of answering them (docs/network-tests.md, rule 8).
import { randomBytes } from "node:crypto";
import * as net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CraftedLink,
  describeCrafted,
  expectPlainAck,
  received,
  receiveFromApplication,
} from "./test-support/crafted-link.js";
import {
  ACK,
  FIN,
  flagNames,
  LINUX_SYN_OPTIONS,
  type PeerConnection,
  PSH,
  type Reply,
  RST,
  type ScapyOption,
  SYN,
  WINDOWS_SYN_OPTIONS,
} from "./test-support/crafted-peer.js";
import { waitFor } from "./test-support/kernel-peer.js";

describeCrafted("crafted segments against the receiver (scapy from the kernel side)", () => {
  // A 16 KiB receive buffer so a window fills with a few segments; a 200 ms delayed ACK so an
  // immediate ACK (out-of-order data, a filled hole) is told apart from a delayed one.
  const main = new CraftedLink(
    "mgt-craft",
    83,
    { receiveBufferSize: 16384, delayedAckMs: 200 },
    40000,
  );

  beforeAll(() => main.open());
  afterAll(() => main.close());
  afterEach(() => main.cleanUp());

  describe("RFC 9293 §3.10.7.1–2: segments without a connection", () => {
    it("a SYN or data without ACK to a closed port gets RST+ACK with SEQ=0, ACK=SEG.SEQ+SEG.LEN", async () => {
      const port = main.port();
      await main.peer.send({
        sport: port,
        dport: 81,
        flags: SYN,
        seq: 0x12345678,
        options: LINUX_SYN_OPTIONS,
      });
      const rst = await main.peer.next(port);
      expect(flagNames(rst.flags)).toBe("RA");
      expect(rst.seq).toBe(0);
      expect(rst.ack).toBe(0x12345679);
      expect(rst.checksumOk).toBe(true);
      // Data and FIN without ACK: SEG.LEN counts the payload and the FIN.
      await main.peer.send({
        sport: port,
        dport: 81,
        flags: PSH | FIN,
        seq: 1000,
        payload: "abcde",
      });
      const rst2 = await main.peer.next(port);
      expect(flagNames(rst2.flags)).toBe("RA");
      expect(rst2.seq).toBe(0);
      expect(rst2.ack).toBe(1006);
    });

    it("an ACK without a connection (closed port, or a listener's port) gets a RST with SEQ=SEG.ACK", async () => {
      const port = main.port();
      await main.peer.send({ sport: port, dport: 81, flags: ACK, seq: 5000, ack: 0xdeadbeef });
      const closed = await main.peer.next(port);
      expect(flagNames(closed.flags)).toBe("R");
      expect(closed.seq).toBe(0xdeadbeef);
      // §3.10.7.2: in LISTEN, any ACK is answered by <SEQ=SEG.ACK><CTL=RST>.
      await main.peer.send({
        sport: port,
        flags: PSH | ACK,
        seq: 5000,
        ack: 0x0badcafe,
        payload: "stray data",
      });
      const listening = await main.peer.next(port);
      expect(flagNames(listening.flags)).toBe("R");
      expect(listening.seq).toBe(0x0badcafe);
      expect(main.link.receiver.connectionCount).toBe(0);
    });

    it("a RST without a connection is never answered", async () => {
      const port = main.port();
      const resetsSent = main.stats.resetsSent;
      await main.peer.send(
        { sport: port, dport: 81, flags: RST, seq: 1 },
        { sport: port, dport: 81, flags: RST | ACK, seq: 1, ack: 77 },
        { sport: port, dport: 80, flags: RST, seq: 1 },
        { sport: port, dport: 80, flags: RST | ACK, seq: 1, ack: 77 },
      );
      expect(await main.peer.during(port, 300)).toEqual([]);
      expect(main.stats.resetsSent).toBe(resetsSent);
      expect(main.link.receiver.connectionCount).toBe(0);
    });
  });

  describe("RFC 9293 §3.10.7.2, RFC 7323 §1.3, RFC 2018 §2: the handshake", () => {
    const cases: { name: string; options: ScapyOption[]; expected: Reply["options"] }[] = [
      {
        name: "Linux's SYN (MSS, SACK-permitted, timestamps, window scale)",
        options: [...LINUX_SYN_OPTIONS],
        expected: { mss: 1460, sackOk: true, timestamp: [expect.any(Number), 100_000], wscale: 0 },
      },
      { name: "no options at all", options: [], expected: { mss: 1460 } },
      {
        name: "MSS and SACK-permitted",
        options: [
          ["MSS", 1400],
          ["SAckOK", ""],
        ],
        expected: { mss: 1460, sackOk: true },
      },
      {
        name: "MSS and timestamps",
        options: [
          ["MSS", 1400],
          ["Timestamp", [5, 0]],
        ],
        expected: { mss: 1460, timestamp: [expect.any(Number), 5] },
      },
      {
        name: "MSS and window scale",
        options: [
          ["MSS", 1400],
          ["WScale", 3],
        ],
        expected: { mss: 1460, wscale: 0 },
      },
    ];

    it("a SYN-ACK carries MSS always, and window scale, SACK-permitted and timestamps only if the SYN offered them", async () => {
      for (const c of cases) {
        const conn = main.connection({ synOptions: c.options });
        const synAck = await conn.sendSyn();
        expect(flagNames(synAck.flags), c.name).toBe("SA");
        expect(synAck.ack, c.name).toBe((conn.isn + 1) >>> 0);
        expect(synAck.checksumOk, c.name).toBe(true);
        // RFC 7323 §2.2: the window of a SYN is never scaled.
        expect(synAck.window, c.name).toBe(16384);
        expect(synAck.options, c.name).toEqual(c.expected);
      }
    });

    it("a handshake completed by crafted segments yields an accepted socket that exchanges data both ways", async () => {
      const accepted = main.stats.accepted;
      const { conn, app } = await main.established();
      expect(main.stats.accepted).toBe(accepted + 1);
      expect(app.socket.remoteAddress).toBe("198.18.83.9");
      expect(app.socket.remotePort).toBe(conn.port);
      const info = app.socket.getInfo();
      expect(info.state).toBe("ESTABLISHED");
      expect(info.timestamps).toBe(true);
      expect(info.sack).toBe(true);
      expect(info.sendWindowScale).toBe(7);
      await conn.sendData("hello");
      await conn.ackFor(conn.sndNxt);
      expect(received(app).toString()).toBe("hello");
      app.socket.write("world");
      const data = await conn.peer.next(conn.port);
      expect(data.payload.toString()).toBe("world");
      expect(data.seq).toBe(conn.rcvNxt);
      expect(data.ack).toBe(conn.sndNxt);
      expect(data.options.timestamp?.[1]).toBe(conn.tsValue - 1);
      expect(data.checksumOk).toBe(true);
    });
  });

  describe("RFC 5961: blind RST, SYN and ACK attacks", () => {
    it("§3.2: a RST in the window but not at RCV.NXT draws a challenge ACK and the connection survives", async () => {
      const { conn, app } = await main.established();
      const challenges = main.stats.challengeAcksSent;
      await main.peer.send(conn.segment({ flags: RST, seq: conn.sndNxt + 1, options: [] }));
      expectPlainAck(await main.peer.next(conn.port), conn);
      await main.peer.send(
        conn.segment({ flags: RST | ACK, seq: conn.sndNxt + 8000, options: [] }),
      );
      expectPlainAck(await main.peer.next(conn.port), conn);
      expect(main.stats.challengeAcksSent).toBe(challenges + 2);
      // RFC 9293 §3.10.7.4: a RST outside the window is dropped without a word.
      await main.peer.send(conn.segment({ flags: RST, seq: conn.sndNxt + 100_000, options: [] }));
      expect(await main.peer.during(conn.port, 300)).toEqual([]);
      await conn.sendData("still here");
      await conn.ackFor(conn.sndNxt);
      expect(received(app).toString()).toBe("still here");
      expect(app.error).toBeUndefined();
      expect(app.socket.getInfo().state).toBe("ESTABLISHED");
    });

    it("§3.2: a RST at exactly RCV.NXT resets the connection (the socket fails with ECONNRESET)", async () => {
      const { conn, app } = await main.established();
      const resets = main.stats.resetsReceived;
      await main.peer.send(conn.segment({ flags: RST, options: [] }));
      expect(await waitFor(() => app.error !== undefined, 2000)).toBe(true);
      expect(app.error?.code).toBe("ECONNRESET");
      expect(main.stats.resetsReceived).toBe(resets + 1);
      expect(await main.peer.during(conn.port, 200)).toEqual([]);
      expect(main.link.receiver.connectionCount).toBe(0);
    });

    it("§4: a SYN on an established connection draws a challenge ACK, not a reset", async () => {
      const { conn, app } = await main.established();
      const challenges = main.stats.challengeAcksSent;
      const synOptions = (): ScapyOption[] => [
        ["MSS", 1460],
        ["SAckOK", ""],
        ["Timestamp", [conn.tsValue++, 0]],
      ];
      // In the window: the fourth check (SYN) answers with a challenge ACK.
      await main.peer.send({
        sport: conn.port,
        flags: SYN,
        seq: conn.sndNxt + 1000,
        options: synOptions(),
      });
      expectPlainAck(await main.peer.next(conn.port), conn);
      expect(main.stats.challengeAcksSent).toBe(challenges + 1);
      // The old SYN again (below the window): the sequence check answers with an ACK.
      await main.peer.send({ sport: conn.port, flags: SYN, seq: conn.isn, options: synOptions() });
      expectPlainAck(await main.peer.next(conn.port), conn);
      await conn.sendData("after the SYNs");
      await conn.ackFor(conn.sndNxt);
      expect(received(app).toString()).toBe("after the SYNs");
      expect(app.error).toBeUndefined();
    });

    it("§5.2 / RFC 9293 §3.10.7.4: an ACK of data never sent (beyond SND.NXT) is answered with an ACK and its data dropped", async () => {
      const { conn, app } = await main.established();
      await main.peer.send(
        conn.segment({ flags: PSH | ACK, ack: conn.rcvNxt + 5000, payload: "bogus" }),
      );
      expectPlainAck(await main.peer.next(conn.port), conn);
      expect(await main.peer.during(conn.port, 250)).toEqual([]);
      expect(received(app).length).toBe(0);
      await conn.sendData("real");
      await conn.ackFor(conn.sndNxt);
      expect(received(app).toString()).toBe("real");
    });

    it("§5.2: an ACK older than SND.UNA − MAX.SND.WND is answered with an ACK and its data dropped", async () => {
      const { conn, app } = await main.established();
      // The peer offered window scale 7 and 65535: MAX.SND.WND is about 8 MiB.
      await main.peer.send(
        conn.segment({ flags: PSH | ACK, ack: conn.rcvNxt - 0x4000_0000, payload: "ancient" }),
      );
      expectPlainAck(await main.peer.next(conn.port), conn);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received(app).length).toBe(0);
      await conn.sendData("current");
      await conn.ackFor(conn.sndNxt);
      expect(received(app).toString()).toBe("current");
    });
  });

  it("RFC 7323 §5 PAWS: a segment with an old TSval is dropped and ACKed, its data not delivered", async () => {
    const { conn, app } = await main.established();
    await main.peer.send(
      conn.segment({ flags: PSH | ACK, payload: "first", options: conn.optionsFor([], 200_000) }),
    );
    conn.sndNxt += 5;
    await conn.ackFor(conn.sndNxt);
    const paws = main.stats.pawsDrops;
    await main.peer.send(
      conn.segment({ flags: PSH | ACK, payload: "stale", options: conn.optionsFor([], 150_000) }),
    );
    const reply = await main.peer.next(conn.port);
    expectPlainAck(reply, conn);
    // TS.Recent stays the newer value.
    expect(reply.options.timestamp?.[1]).toBe(200_000);
    expect(main.stats.pawsDrops).toBe(paws + 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received(app).toString()).toBe("first");
    await main.peer.send(
      conn.segment({ flags: PSH | ACK, payload: "fresh", options: conn.optionsFor([], 200_001) }),
    );
    conn.sndNxt += 5;
    await conn.ackFor(conn.sndNxt);
    expect(received(app).toString()).toBe("firstfresh");
    conn.tsValue = 200_002;
  });

  describe("RFC 9293 §3.10.7.4, RFC 2018, RFC 5681 §4.2: what arrives out of place", () => {
    it("data beyond the window, or wholly old, is answered with an ACK and not delivered", async () => {
      const { conn, app } = await main.established();
      await conn.sendData("0123456789");
      await conn.ackFor(conn.sndNxt);
      const drops = main.stats.outOfWindowDrops;
      await main.peer.send(conn.dataAt(conn.sndNxt, 20_000, "far beyond"));
      expectPlainAck(await main.peer.next(conn.port), conn);
      await main.peer.send(conn.dataAt(conn.sndNxt, -10, "0123456789"));
      expectPlainAck(await main.peer.next(conn.port), conn);
      expect(main.stats.outOfWindowDrops).toBe(drops + 2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received(app).toString()).toBe("0123456789");
    });

    it("overlapping and duplicate segments deliver each byte once, in order", async () => {
      const { conn, app } = await main.established();
      const text = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
      const base = conn.sndNxt;
      const piece = (from: number, to: number) => conn.dataAt(base, from, text.slice(from, to));
      await main.peer.send(
        piece(0, 8),
        piece(4, 12), // overlaps the end of the first
        piece(0, 12), // a duplicate of both
        piece(16, 24), // out of order
        piece(14, 20), // overlaps it, leaving a hole 12–14
        piece(10, 16), // fills the hole, overlapping both sides
        piece(20, 26), // overlaps the end
        piece(3, 9), // wholly old by now
      );
      conn.sndNxt = (base + text.length) >>> 0;
      await conn.ackFor(conn.sndNxt);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received(app).toString()).toBe(text);
      expect(app.socket.bytesRead).toBe(text.length);
    });

    it("out-of-order data draws an immediate ACK with SACK blocks, latest first; filling the holes, immediate cumulative ACKs", async () => {
      const { conn, app } = await main.established();
      const data = randomBytes(4000);
      const base = conn.sndNxt;
      const piece = (n: number) =>
        conn.dataAt(base, n * 1000, data.subarray(n * 1000, n * 1000 + 1000));
      const at = (offset: number) => (base + offset) >>> 0;

      let sentAt = await main.peer.send(piece(1));
      let reply = await main.peer.next(conn.port);
      expectPlainAck(reply, conn);
      expect(reply.t - sentAt).toBeLessThan(0.15);
      expect(reply.options.sack).toEqual([at(1000), at(2000)]);

      sentAt = await main.peer.send(piece(3));
      reply = await main.peer.next(conn.port);
      expectPlainAck(reply, conn);
      expect(reply.t - sentAt).toBeLessThan(0.15);
      // RFC 2018 §4: the first block holds the segment that triggered the ACK.
      expect(reply.options.sack).toEqual([at(3000), at(4000), at(1000), at(2000)]);

      sentAt = await main.peer.send(piece(0));
      reply = await main.peer.next(conn.port);
      expect(reply.ack).toBe(at(2000));
      expect(reply.t - sentAt).toBeLessThan(0.15);
      expect(reply.options.sack).toEqual([at(3000), at(4000)]);

      sentAt = await main.peer.send(piece(2));
      reply = await main.peer.next(conn.port);
      expect(reply.ack).toBe(at(4000));
      expect(reply.t - sentAt).toBeLessThan(0.15);
      expect(reply.options.sack).toBeUndefined();

      conn.sndNxt = at(4000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received(app).equals(data)).toBe(true);
    });
  });

  it("RFC 9293 §3.1 MUST-2/3: a segment with a bad checksum is dropped silently", async () => {
    const drops = main.stats.badChecksumDrops;
    const port = main.port();
    await main.peer.send({
      sport: port,
      flags: SYN,
      seq: 1,
      options: LINUX_SYN_OPTIONS,
      badChecksum: true,
    });
    expect(await main.peer.during(port, 300)).toEqual([]);
    expect(main.link.receiver.connectionCount).toBe(0);

    const { conn, app } = await main.established();
    await main.peer.send(
      conn.segment({ flags: PSH | ACK, payload: "corrupted", badChecksum: true }),
    );
    expect(await main.peer.during(conn.port, 300)).toEqual([]);
    expect(received(app).length).toBe(0);
    expect(main.stats.badChecksumDrops).toBe(drops + 2);
    await conn.sendData("intact");
    await conn.ackFor(conn.sndNxt);
    expect(received(app).toString()).toBe("intact");
  });

  describe("RFC 9293 §3.1–3.2 MUST-5/6/7: options", () => {
    const malformed: { name: string; options?: number[]; dataOffset?: number }[] = [
      { name: "MSS with length 3", options: [2, 3, 5] },
      { name: "window scale with length 4", options: [3, 4, 1, 1] },
      { name: "SACK with length 7", options: [5, 7, 0, 0, 0, 1, 0] },
      { name: "timestamps with length 6", options: [8, 6, 0, 0, 0, 1] },
      { name: "an option with length 1", options: [30, 1] },
      { name: "a zero-length option", options: [30, 0] },
      { name: "an option running past the header", options: [8, 10, 0, 0, 0, 1] },
      { name: "a kind byte with no length byte at the end", options: [1, 1, 1, 30] },
      { name: "a data offset below 5 words", dataOffset: 3 },
      { name: "a data offset beyond the segment", dataOffset: 15 },
    ];

    it("malformed options and header lengths drop the segment, are counted, and break nothing (MUST-7)", async () => {
      const before = main.stats.malformedDrops;
      const { conn, app } = await main.established();
      const synPort = main.port();
      for (const bad of malformed) {
        const shape = {
          ...(bad.options === undefined ? {} : { rawOptions: Uint8Array.from(bad.options) }),
          ...(bad.dataOffset === undefined ? {} : { dataOffset: bad.dataOffset }),
        };
        await main.peer.send(
          { sport: synPort, flags: SYN, seq: 1, ...shape },
          conn.segment({ flags: PSH | ACK, payload: `bad: ${bad.name}`, options: [], ...shape }),
        );
      }
      expect(await main.peer.during(synPort, 200)).toEqual([]);
      expect(await main.peer.during(conn.port, 100)).toEqual([]);
      expect(main.stats.malformedDrops - before).toBe(2 * malformed.length);
      expect(received(app).length).toBe(0);
      expect(main.link.receiver.connectionCount).toBe(1);
      await conn.sendData("well formed");
      await conn.ackFor(conn.sndNxt);
      expect(received(app).toString()).toBe("well formed");
    });

    it("unknown options are ignored, in a SYN and in data segments (MUST-6)", async () => {
      const before = main.stats.malformedDrops;
      const conn = main.connection({
        synOptions: [
          ["MSS", 1460],
          [99, "abcdef"],
          [254, "f989"], // an RFC 6994 experiment identifier
          ["SAckOK", ""],
          [34, ""], // a TCP Fast Open cookie request, which we do not do
          ["NOP", null],
          ["NOP", null],
          ["Timestamp", [7, 0]],
        ],
      });
      const synAck = await conn.open();
      expect(synAck.options).toEqual({
        mss: 1460,
        sackOk: true,
        timestamp: [expect.any(Number), 7],
      });
      const app = await main.acceptor.get(conn.port);
      await main.peer.send(
        conn.segment({
          flags: PSH | ACK,
          payload: "odd options",
          options: conn.optionsFor([
            [99, "00"],
            [253, "0102"],
          ]),
        }),
      );
      conn.sndNxt += "odd options".length;
      await conn.ackFor(conn.sndNxt);
      expect(received(app).toString()).toBe("odd options");
      expect(main.stats.malformedDrops).toBe(before);
    });
  });

  it("RFC 9293 §3.8.6, MUST-36/37: an application that does not read closes the window without moving its right edge left; zero-window probes get ACKs with window 0; once it reads, the window is open again", async () => {
    const conn = main.connection({
      synOptions: [
        ["MSS", 1000],
        ["SAckOK", ""],
      ],
    });
    main.acceptor.paused.add(conn.port);
    const synAck = await conn.open();
    const app = await main.acceptor.get(conn.port);
    const base = conn.sndNxt;
    const window = synAck.window;
    expect(window).toBe(16384);
    const data = randomBytes(window);
    const segments = [];
    for (let offset = 0; offset < window; offset += 1000) {
      segments.push(conn.dataAt(base, offset, data.subarray(offset, offset + 1000)));
    }
    await main.peer.send(...segments);
    conn.sndNxt = (base + window) >>> 0;
    const acks: Reply[] = [];
    for (;;) {
      const reply = await main.peer.next(conn.port, 3000);
      acks.push(reply);
      if (reply.ack === conn.sndNxt) break;
    }
    // The right edge (ACK + window) never moves left (SHLD-14); the last ACK closes the window.
    const edges = acks.map((a) => (a.ack + a.window) >>> 0);
    for (let i = 1; i < edges.length; i++) expect(edges[i]).toBe(edges[0]);
    expect(acks.at(-1)!.window).toBe(0);
    expect(app.socket.readableLength).toBe(window);
    expect(app.socket.getInfo().receiveWindow).toBe(0);

    // Linux's probe: no data, SEQ = RCV.NXT − 1. BSD's: one byte past the window.
    await main.peer.send(conn.segment({ seq: conn.sndNxt - 1 }));
    let probeAck = await main.peer.next(conn.port);
    expectPlainAck(probeAck, conn);
    expect(probeAck.window).toBe(0);
    await main.peer.send(conn.segment({ flags: PSH | ACK, payload: "Z" }));
    probeAck = await main.peer.next(conn.port);
    expectPlainAck(probeAck, conn);
    expect(probeAck.window).toBe(0);
    expect(app.chunks.length).toBe(0);

    // The application reads everything; the next probe finds the window open (MUST-37).
    app.socket.resume();
    expect(await waitFor(() => received(app).length === window, 2000)).toBe(true);
    await main.peer.send(conn.segment({ seq: conn.sndNxt - 1 }));
    const reopened = await main.peer.next(conn.port);
    expectPlainAck(reopened, conn);
    expect(reopened.window).toBeGreaterThanOrEqual(1000);
    const more = randomBytes(2000);
    await conn.sendData(more.subarray(0, 1000));
    await conn.sendData(more.subarray(1000));
    await conn.ackFor(conn.sndNxt);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received(app).equals(Buffer.concat([data, more]))).toBe(true);
  });

  it("RFC 9293 §3.8.6.2.2 (when to send a window update): after a zero window, resume() sends a window update without waiting for a probe", async () => {
    const conn = main.connection({
      synOptions: [
        ["MSS", 1000],
        ["SAckOK", ""],
      ],
    });
    main.acceptor.paused.add(conn.port);
    const synAck = await conn.open();
    const app = await main.acceptor.get(conn.port);
    const base = conn.sndNxt;
    const window = synAck.window;
    const data = randomBytes(window);
    const segments = [];
    for (let offset = 0; offset < window; offset += 1000) {
      segments.push(conn.dataAt(base, offset, data.subarray(offset, offset + 1000)));
    }
    await main.peer.send(...segments);
    conn.sndNxt = (base + window) >>> 0;
    let last: Reply;
    do last = await main.peer.next(conn.port, 3000);
    while (last.ack !== conn.sndNxt);
    expect(last.window).toBe(0);

    // The application reads all 16 KiB: RCV.BUFF − RCV.USER − RCV.WND is now the whole buffer,
    // far above min(½ buffer, MSS), so the receiver sends the window update (no probe needed).
    app.socket.resume();
    expect(await waitFor(() => received(app).length === window, 2000)).toBe(true);
    const update = await main.peer.next(conn.port, 1000);
    expectPlainAck(update, conn);
    expect(update.window).toBeGreaterThanOrEqual(1000);
  });

  it("RFC 1191 path MTU: ICMP fragmentation needed quoting an outstanding segment lowers the MSS and resends at once; one quoting nothing outstanding is ignored", async () => {
    const { conn, app } = await main.established();
    const data = randomBytes(6000);
    app.socket.write(data);
    const first = await main.peer.next(conn.port);
    expect(first.payload.length).toBeGreaterThan(1000);
    const reductions = main.stats.pathMtuReductions;
    const icmpErrors = main.stats.icmpErrorsReceived;
    // Quoting a sequence number that is not outstanding: ignored (RFC 5927 §4.1).
    await main.peer.sendIcmp({
      type: 3,
      code: 4,
      mtu: 1000,
      sport: 80,
      dport: conn.port,
      seq: first.seq - 100_000,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(main.stats.pathMtuReductions).toBe(reductions);
    await main.peer.sendIcmp({
      type: 3,
      code: 4,
      mtu: 1000,
      sport: 80,
      dport: conn.port,
      seq: first.seq,
    });
    expect(await waitFor(() => main.stats.pathMtuReductions === reductions + 1, 2000)).toBe(true);
    expect(main.stats.icmpErrorsReceived).toBe(icmpErrors + 1);
    // From now on nothing larger than 1000 − 20 − 20 − 12 (timestamps) bytes of payload.
    const resent: number[] = [];
    for (;;) {
      const reply = await main.peer.next(conn.port, 2000);
      if (reply.payload.length === 0) continue;
      if (reply.seq === first.seq) resent.push(reply.payload.length);
      if (resent.length > 0) expect(reply.payload.length).toBeLessThanOrEqual(948);
      if (resent.length > 0) break;
    }
    expect(resent[0]).toBe(948);
    expect(app.socket.getInfo().sendMss).toBe(948);
  });

  it("RFC 3522 / RFC 4015: an ACK echoing the original's timestamp after a timeout shows it spurious, and the windows come back", async () => {
    const { conn, app } = await main.established();
    app.socket.write(randomBytes(800));
    const original = await main.peer.next(conn.port);
    expect(original.payload.length).toBe(800);
    const cwndBefore = app.socket.getInfo().cwnd;
    const spurious = main.stats.spuriousTimeouts;
    // Withhold the ACK until the retransmission timer has fired and resent the segment.
    const resent = await main.peer.next(conn.port, 3000);
    expect(resent.seq).toBe(original.seq);
    expect(app.socket.getInfo().cwnd).toBeLessThan(cwndBefore);
    // The late ACK echoes the original's TSval, older than the retransmission's.
    conn.tsEcho = original.options.timestamp![0];
    conn.rcvNxt = (original.seq + 800) >>> 0;
    await main.peer.send(conn.segment({}));
    expect(await waitFor(() => main.stats.spuriousTimeouts === spurious + 1, 2000)).toBe(true);
    // Restored, then grown by the acknowledged bytes as slow start does.
    expect(app.socket.getInfo().cwnd).toBeGreaterThanOrEqual(cwndBefore);
  });

  it("RFC 9293 §3.6 half-close: the peer's FIN ends the socket's readable side; it still writes, then sends its FIN", async () => {
    const { conn, app } = await main.established();
    await conn.sendData("request", PSH | ACK | FIN);
    const finAck = await conn.ackFor(conn.sndNxt);
    expect(flagNames(finAck.flags)).toBe("A");
    expect(await waitFor(() => app.ended, 2000)).toBe(true);
    expect(received(app).toString()).toBe("request");
    expect(app.socket.getInfo().state).toBe("CLOSE-WAIT");
    expect(app.socket.writable).toBe(true);

    app.socket.write("response part 1, ");
    expect((await receiveFromApplication(conn, 17)).toString()).toBe("response part 1, ");
    app.socket.end("part 2");
    const rest = await receiveFromApplication(conn, 6);
    expect(rest.toString()).toBe("part 2");
    // The FIN follows the data, alone or on the last data segment.
    const fin = await main.peer.during(conn.port, 300);
    const finSegment = fin.find((r) => (r.flags & FIN) !== 0);
    expect(finSegment, "our FIN").toBeDefined();
    expect((finSegment!.seq + finSegment!.payload.length) >>> 0).toBe(conn.rcvNxt);
    conn.rcvNxt = (conn.rcvNxt + 1) >>> 0;
    await main.peer.send(conn.segment({}));
    expect(await waitFor(() => app.closed, 2000)).toBe(true);
    expect(app.error).toBeUndefined();
    expect(await waitFor(() => main.link.receiver.connectionCount === 0, 2000)).toBe(true);
  });

  it("RFC 9293 §3.4, §3.10.7: sequence numbers across 2^32 (the peer's ISN 0xffffff00) transfer data intact, SACK blocks included", async () => {
    const { conn, app, synAck } = await main.established({ isn: 0xffffff00 });
    expect(synAck.ack).toBe(0xffffff01);
    const data = randomBytes(4000);
    const base = conn.sndNxt;
    const piece = (n: number) =>
      conn.dataAt(base, n * 1000, data.subarray(n * 1000, n * 1000 + 1000));
    await main.peer.send(piece(1));
    const sack = await main.peer.next(conn.port);
    expect(sack.ack).toBe(0xffffff01);
    expect(sack.options.sack).toEqual([(base + 1000) >>> 0, (base + 2000) >>> 0]);
    await main.peer.send(piece(0), piece(3), piece(2));
    conn.sndNxt = (base + 4000) >>> 0;
    expect(conn.sndNxt).toBe(4000 - 0xff);
    await conn.ackFor(conn.sndNxt);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received(app).equals(data)).toBe(true);
    // And back.
    const reply = randomBytes(3000);
    app.socket.write(reply);
    expect((await receiveFromApplication(conn, reply.length)).equals(reply)).toBe(true);
  });

  it("RFC 7323 §3.2, Windows' default: a connection that negotiated no timestamps works fully without them", async () => {
    const { conn, app, synAck } = await main.established({ synOptions: WINDOWS_SYN_OPTIONS });
    expect(synAck.options).toEqual({ mss: 1460, wscale: 0, sackOk: true });
    const info = app.socket.getInfo();
    expect(info.timestamps).toBe(false);
    expect(info.sack).toBe(true);
    // Full-sized segments are the peer's MSS: no room is kept for a timestamp option.
    expect(info.sendMss).toBe(1460);

    const upload = randomBytes(3000);
    await conn.sendData(upload.subarray(0, 1460));
    await conn.sendData(upload.subarray(1460, 2920));
    const ack = await conn.ackFor(conn.sndNxt);
    expect(ack.options.timestamp).toBeUndefined();
    // Out of order without timestamps: up to four SACK blocks fit.
    const base = conn.sndNxt;
    await main.peer.send(conn.dataAt(base, 20, upload.subarray(2940, 2960)));
    const sack = await main.peer.next(conn.port);
    expect(sack.options).toEqual({ sack: [(base + 20) >>> 0, (base + 40) >>> 0] });
    await main.peer.send(conn.dataAt(base, 0, upload.subarray(2920, 3000)));
    conn.sndNxt = (base + 80) >>> 0;
    await conn.ackFor(conn.sndNxt);

    const download = randomBytes(5000);
    app.socket.write(download);
    const segments: Reply[] = [];
    const parts: Buffer[] = [];
    let total = 0;
    while (total < download.length) {
      const reply = await main.peer.next(conn.port, 3000);
      segments.push(reply);
      if (reply.payload.length === 0 || reply.seq !== conn.rcvNxt) continue;
      parts.push(reply.payload);
      total += reply.payload.length;
      conn.rcvNxt = (conn.rcvNxt + reply.payload.length) >>> 0;
      await main.peer.send(conn.segment({}));
    }
    expect(Buffer.concat(parts).equals(download)).toBe(true);
    expect(segments.every((s) => s.options.timestamp === undefined)).toBe(true);
    expect(Math.max(...segments.map((s) => s.payload.length))).toBe(1460);

    // Close from the peer's side, then ours.
    await conn.sendData("", ACK | FIN);
    await conn.ackFor(conn.sndNxt);
    app.socket.end();
    const fin = await main.peer.next(conn.port);
    expect(flagNames(fin.flags)).toBe("FA");
    conn.rcvNxt = (conn.rcvNxt + 1) >>> 0;
    await main.peer.send(conn.segment({}));
    expect(await waitFor(() => app.closed, 2000)).toBe(true);
    expect(received(app).equals(upload)).toBe(true);
  });
});

describeCrafted("crafted segments against a receiver with small limits", () => {
  const limits = new CraftedLink(
    "mgt-craft-lim",
    84,
    { synBacklog: 2, synCookies: false, maxConnections: 3, challengeAckLimit: 2, synRetries: 1 },
    41000,
  );

  beforeAll(() => limits.open());
  afterAll(() => limits.close());
  afterEach(() => limits.cleanUp());

  it("RFC 5961 §7: challenge ACKs are rate-limited (challengeAckLimit per second)", async () => {
    const { conn, app } = await limits.established();
    // With a 1 MiB buffer the accepted socket's first read widens the window past the SYN-ACK's
    // 64 KiB at once: a window update, not a challenge ACK.
    for (const update of await limits.peer.during(conn.port, 100)) expectPlainAck(update, conn);
    const sent = limits.stats.challengeAcksSent;
    const suppressed = limits.stats.challengeAcksSuppressed;
    const rsts = [1, 2, 3, 4, 5, 6].map((i) =>
      conn.segment({ flags: RST, seq: conn.sndNxt + i * 100, options: [] }),
    );
    await limits.peer.send(...rsts);
    const replies = await limits.peer.during(conn.port, 400);
    expect(replies.length).toBe(2);
    for (const reply of replies) expectPlainAck(reply, conn);
    expect(limits.stats.challengeAcksSent).toBe(sent + 2);
    expect(limits.stats.challengeAcksSuppressed).toBe(suppressed + 4);
    // A second later the allowance is back.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await limits.peer.send(rsts[0]!);
    expectPlainAck(await limits.peer.next(conn.port), conn);
    expect(app.error).toBeUndefined();
  });

  it("RFC 1122 §4.2.3.9: an ICMP host unreachable is a soft error, reported when the connect then times out", async () => {
    const socket = limits.link.receiver.connect({ host: "198.18.84.9", port: 5555 });
    const failed = new Promise<NodeJS.ErrnoException>((resolve) => socket.on("error", resolve));
    const syn = await limits.peer.next(5555);
    expect(flagNames(syn.flags)).toBe("S");
    const icmpErrors = limits.stats.icmpErrorsReceived;
    await limits.peer.sendIcmp({ type: 3, code: 1, sport: syn.sport, dport: 5555, seq: syn.seq });
    expect(await waitFor(() => limits.stats.icmpErrorsReceived === icmpErrors + 1, 2000)).toBe(
      true,
    );
    expect(socket.destroyed).toBe(false); // soft: the SYN is still retried
    expect((await failed).code).toBe("EHOSTUNREACH");
  });

  it("RFC 4987: SYNs beyond synBacklog are dropped and counted; the table stays bounded and frees itself by RST or timeout", async () => {
    const drops = limits.stats.synBacklogDrops;
    const conns = Array.from({ length: 6 }, () => limits.connection());
    await limits.peer.send(
      ...conns.map((c) => ({ sport: c.port, flags: SYN, seq: c.isn, options: LINUX_SYN_OPTIONS })),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answered: { conn: PeerConnection; synAck: Reply }[] = [];
    for (const conn of conns) {
      conn.sndNxt = (conn.isn + 1) >>> 0;
      const replies = await limits.peer.receive(conn.port, 10, 0);
      if (replies.length > 0) {
        expect(flagNames(replies[0]!.flags)).toBe("SA");
        answered.push({ conn, synAck: replies[0]! });
      }
    }
    expect(answered.length).toBe(2);
    expect(limits.stats.synBacklogDrops).toBe(drops + 4);
    expect(limits.link.receiver.connectionCount).toBe(2);

    // A flood of further SYNs leaves nothing behind.
    const flood = Array.from({ length: 50 }, () => limits.port());
    await limits.peer.send(
      ...flood.map((port) => ({ sport: port, flags: SYN, seq: port, options: [] })),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(limits.stats.synBacklogDrops).toBe(drops + 54);
    expect(limits.link.receiver.connectionCount).toBe(2);
    expect(limits.link.receiver.timers.size).toBeLessThanOrEqual(2);

    // One half-open connection is reset by its peer; the other times out after one SYN-ACK
    // retransmission (synRetries 1: 1 s, then 2 s).
    const [first, second] = answered;
    await first!.conn.reset();
    expect(await waitFor(() => limits.link.receiver.connectionCount === 1, 1000)).toBe(true);
    const retransmitted = await limits.peer.next(second!.conn.port, 2500);
    expect(flagNames(retransmitted.flags)).toBe("SA");
    expect(retransmitted.seq).toBe(second!.synAck.seq);
    expect(await waitFor(() => limits.link.receiver.connectionCount === 0, 4000)).toBe(true);

    // A real connection from the kernel's TCP now gets through.
    const client = net.connect({
      host: limits.link.address,
      port: 80,
      localAddress: limits.link.kernelAddress,
    });
    client.on("error", () => {});
    try {
      await new Promise<void>((resolve) => client.once("connect", resolve));
      const app = await limits.acceptor.get(client.localPort!);
      client.write("through");
      expect(await waitFor(() => received(app).toString() === "through", 2000)).toBe(true);
      client.end();
      expect(await waitFor(() => app.ended, 2000)).toBe(true);
      app.socket.end();
      expect(await waitFor(() => limits.link.receiver.connectionCount === 0, 2000)).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it("RFC 4987 / RFC 9293 §3.10.7.2: a SYN beyond maxConnections is answered with RST+ACK", async () => {
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await limits.established());
    expect(limits.link.receiver.connectionCount).toBe(3);
    const refused = limits.stats.refused;
    const extra = limits.connection();
    await limits.peer.send({
      sport: extra.port,
      flags: SYN,
      seq: extra.isn,
      options: LINUX_SYN_OPTIONS,
    });
    const rst = await limits.peer.next(extra.port);
    expect(flagNames(rst.flags)).toBe("RA");
    expect(rst.seq).toBe(0);
    expect(rst.ack).toBe((extra.isn + 1) >>> 0);
    expect(limits.stats.refused).toBe(refused + 1);
    // One closes; the next SYN is accepted.
    await open[0]!.conn.reset();
    expect(await waitFor(() => limits.link.receiver.connectionCount === 2, 1000)).toBe(true);
    expect(flagNames((await extra.sendSyn()).flags)).toBe("SA");
  });
});

describeCrafted("SYN cookies once the backlog is full (RFC 4987 §3.6)", () => {
  const cookies = new CraftedLink("mgt-craft-ck", 95, { synBacklog: 1 }, 43000);

  beforeAll(() => cookies.open());
  afterAll(() => cookies.close());
  afterEach(() => cookies.cleanUp());

  it("answers beyond the backlog with a cookie, keeps no state, and opens the connection from the returned ACK with the options it carried", async () => {
    const stats = cookies.stats;
    const holder = cookies.connection();
    await holder.sendSyn(); // fills the one-entry backlog
    const before = { sent: stats.synCookiesSent, accepted: stats.synCookiesAccepted };
    const conn = cookies.connection();
    const synAck = await conn.sendSyn();
    expect(flagNames(synAck.flags)).toBe("SA");
    expect(stats.synCookiesSent).toBe(before.sent + 1);
    expect(synAck.options.mss).toBe(1460);
    expect(synAck.options.timestamp).toBeDefined();
    expect(cookies.link.receiver.connectionCount).toBe(1); // only the holder
    await cookies.peer.send(conn.segment({ flags: PSH | ACK, payload: "cookie data" }));
    conn.sndNxt = (conn.sndNxt + 11) >>> 0;
    const app = await cookies.acceptor.get(conn.port);
    expect(await waitFor(() => received(app).toString() === "cookie data", 2000)).toBe(true);
    expect(stats.synCookiesAccepted).toBe(before.accepted + 1);
    const info = app.socket.getInfo();
    // Window scale and SACK-permitted came back through the timestamp echo.
    expect(info.sack).toBe(true);
    expect(info.timestamps).toBe(true);
    expect(info.sendWindowScale).toBe(7);
    app.socket.write("answer");
    let reply = await cookies.peer.next(conn.port);
    while (reply.payload.length === 0) reply = await cookies.peer.next(conn.port); // ACKs first
    expect(reply.payload.toString()).toBe("answer");
    expect(reply.seq).toBe(conn.rcvNxt);
  });

  it("answers an ACK with a forged or stale cookie with RST, opening nothing", async () => {
    const holder = cookies.connection();
    await holder.sendSyn();
    const conn = cookies.connection();
    const synAck = await conn.sendSyn();
    const accepted = cookies.stats.synCookiesAccepted;
    const connectionsBefore = cookies.link.receiver.connectionCount;
    await cookies.peer.send(conn.segment({ ack: (synAck.seq + 2) >>> 0 }));
    const reset = await cookies.peer.next(conn.port);
    expect(flagNames(reset.flags)).toBe("R");
    expect(cookies.stats.synCookiesAccepted).toBe(accepted);
    expect(cookies.link.receiver.connectionCount).toBe(connectionsBefore);
    expect(connectionsBefore).toBe(1); // the holder: the cookie kept nothing
  });
});
