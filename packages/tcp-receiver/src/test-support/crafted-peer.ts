import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** TCP flag bits (RFC 9293 §3.1). */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

const script = fileURLToPath(new URL("../../fixtures/tcp_crafter.py", import.meta.url));

/** A Python interpreter that can import scapy (Debian's, even when another python3 is first on PATH). */
export function findScapyPython(): string | undefined {
  return ["/usr/bin/python3", "python3"].find(
    (python) =>
      spawnSync(python, ["-c", "import scapy.all"], { stdio: "ignore", timeout: 60_000 }).status ===
      0,
  );
}

/** One TCP option as scapy names it; a numeric kind takes its value as hex. */
export type ScapyOption =
  | readonly ["MSS", number]
  | readonly ["WScale", number]
  | readonly ["SAckOK", ""]
  | readonly ["NOP", null]
  | readonly ["EOL", null]
  | readonly ["Timestamp", readonly [value: number, echo: number]]
  | readonly ["SAck", readonly number[]]
  | readonly [kind: number, hex: string];

/** A segment to craft, sent from the peer's address to the receiver's. */
export interface CraftedSegment {
  readonly sport: number;
  /** [80] */
  readonly dport?: number;
  readonly flags: number;
  readonly seq: number;
  readonly ack?: number;
  /** [65535] */
  readonly window?: number;
  readonly options?: readonly ScapyOption[];
  /** Option bytes used exactly as given (the data offset covers them, padded to 32 bits). */
  readonly rawOptions?: Uint8Array;
  /** Overrides the data offset (32-bit words). */
  readonly dataOffset?: number;
  readonly payload?: Uint8Array | string;
  /** Corrupts the TCP checksum after scapy computed it. */
  readonly badChecksum?: boolean;
}

/** A segment the receiver sent to the peer's address, as captured on the adapter. */
export interface Reply {
  /** Capture time, seconds on the helper's monotonic clock (the clock of `send`'s result). */
  readonly t: number;
  readonly sport: number;
  readonly dport: number;
  readonly flags: number;
  readonly seq: number;
  readonly ack: number;
  readonly window: number;
  readonly checksumOk: boolean;
  readonly options: {
    readonly mss?: number;
    readonly wscale?: number;
    readonly sackOk?: boolean;
    readonly timestamp?: [value: number, echo: number];
    readonly sack?: number[];
    readonly unknown?: (string | number)[];
  };
  readonly payload: Buffer;
}

interface RawReply extends Omit<Reply, "payload"> {
  readonly payload: string;
}

/**
 * fixtures/tcp_crafter.py as a child process: crafts segments with scapy onto the adapter and
 * captures the receiver's replies to the peer address. The peer address lies in the adapter's
 * subnet but is not the kernel's, so the kernel stays silent (docs/network-tests.md, rule 8).
 * Requests go one at a time; the event loop stays free meanwhile, so the receiver keeps working.
 */
export class CraftedPeer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #answers: ((line: string) => void)[] = [];
  #chain: Promise<unknown> = Promise.resolve();
  #stderr = "";

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    child.stderr.on("data", (chunk: Buffer) => {
      this.#stderr += chunk.toString();
    });
    createInterface({ input: child.stdout }).on("line", (line) => this.#answers.shift()?.(line));
  }

  static async start(
    python: string,
    adapterName: string,
    peerAddress: string,
    receiverAddress: string,
  ): Promise<CraftedPeer> {
    const child = spawn(python, [script, adapterName, peerAddress, receiverAddress], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const peer = new CraftedPeer(child);
    const ready = await Promise.race([
      new Promise<string>((resolve) => peer.#answers.push(resolve)),
      new Promise<string>((resolve) => child.once("exit", () => resolve(""))),
      new Promise<string>((resolve) => setTimeout(() => resolve(""), 30_000)),
    ]);
    if (!ready.includes("ready")) {
      child.kill();
      throw new Error(`tcp_crafter.py did not start: ${peer.#stderr}`);
    }
    return peer;
  }

  #request<T>(request: object): Promise<T> {
    const next = this.#chain.then(
      () =>
        new Promise<T>((resolve, reject) => {
          const onExit = (): void => reject(new Error(`tcp_crafter.py exited: ${this.#stderr}`));
          this.#child.once("exit", onExit);
          this.#answers.push((line) => {
            this.#child.off("exit", onExit);
            resolve(JSON.parse(line) as T);
          });
          this.#child.stdin.write(`${JSON.stringify(request)}\n`);
        }),
    );
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Sends the segments back to back; resolves with the helper's clock after the last. */
  /**
   * Sends an ICMPv4 error (`type`/`code`, next-hop `mtu` for "fragmentation needed") quoting a
   * segment the receiver sent from `sport` to `dport` with sequence number `seq`.
   */
  async sendIcmp(error: {
    type: number;
    code: number;
    mtu?: number;
    sport: number;
    dport: number;
    seq: number;
  }): Promise<number> {
    const answer = await this.#request<{ t: number }>({
      op: "icmp",
      ...error,
      seq: error.seq >>> 0,
    });
    return answer.t;
  }

  async send(...segments: CraftedSegment[]): Promise<number> {
    const answer = await this.#request<{ t: number }>({
      op: "send",
      segments: segments.map((s) => ({
        sport: s.sport,
        dport: s.dport ?? 80,
        flags: s.flags,
        seq: s.seq >>> 0,
        ack: (s.ack ?? 0) >>> 0,
        window: s.window ?? 65535,
        options: s.options ?? [],
        ...(s.rawOptions === undefined ? {} : { rawOptions: hex(s.rawOptions) }),
        ...(s.dataOffset === undefined ? {} : { dataOffset: s.dataOffset }),
        payload: s.payload === undefined ? "" : hex(s.payload),
        badChecksum: s.badChecksum === true,
      })),
    });
    return answer.t;
  }

  /** Up to `count` replies to `port`, waiting at most `timeoutMs` for them. */
  async receive(port: number, count: number, timeoutMs: number): Promise<Reply[]> {
    const answer = await this.#request<{ replies: RawReply[] }>({
      op: "recv",
      port,
      count,
      timeoutMs,
    });
    return answer.replies.map((r) => ({ ...r, payload: Buffer.from(r.payload, "hex") }));
  }

  /** The next reply to `port`; throws when none comes within `timeoutMs`. */
  async next(port: number, timeoutMs = 2000): Promise<Reply> {
    const [reply] = await this.receive(port, 1, timeoutMs);
    if (reply === undefined) throw new Error(`no reply to port ${port} within ${timeoutMs} ms`);
    return reply;
  }

  /** Everything sent to `port` during the next `ms` milliseconds (for "nothing comes back"). */
  during(port: number, ms: number): Promise<Reply[]> {
    return this.receive(port, 1_000_000, ms);
  }

  /** Forgets replies to `port` captured so far. */
  async clear(port: number): Promise<void> {
    await this.#request({ op: "clear", port });
  }

  close(): void {
    this.#child.stdin.end();
    this.#child.kill();
  }
}

function hex(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("hex");
}

/** "SA", "RA", "FPA": a reply's flags as letters, for readable failures. */
export function flagNames(flags: number): string {
  return [
    [FIN, "F"],
    [SYN, "S"],
    [RST, "R"],
    [PSH, "P"],
    [ACK, "A"],
  ]
    .filter(([bit]) => (flags & (bit as number)) !== 0)
    .map(([, name]) => name)
    .join("");
}

export interface PeerConnectionOptions {
  /** Our initial sequence number. */
  readonly isn?: number;
  /** Options of our SYN [Linux's: MSS 1460, SACK-permitted, timestamps, window scale 7]. */
  readonly synOptions?: readonly ScapyOption[];
  /** Our window field [65535]. */
  readonly window?: number;
}

/** What Linux offers in a SYN. */
export const LINUX_SYN_OPTIONS: readonly ScapyOption[] = [
  ["MSS", 1460],
  ["SAckOK", ""],
  ["Timestamp", [100_000, 0]],
  ["NOP", null],
  ["WScale", 7],
];

/** What Windows offers by default: no timestamps (RFC 7323 is off there unless enabled). */
export const WINDOWS_SYN_OPTIONS: readonly ScapyOption[] = [
  ["MSS", 1460],
  ["NOP", null],
  ["WScale", 8],
  ["NOP", null],
  ["NOP", null],
  ["SAckOK", ""],
];

/**
 * A crafted connection's bookkeeping from the peer's side: our next sequence number (`sndNxt`,
 * which is the receiver's RCV.NXT), the next one expected from the receiver (`rcvNxt`), and a
 * timestamp clock when the handshake negotiated timestamps.
 */
export class PeerConnection {
  readonly peer: CraftedPeer;
  readonly port: number;
  readonly window: number;
  readonly synOptions: readonly ScapyOption[];
  readonly isn: number;
  sndNxt: number;
  rcvNxt = 0;
  /** The receiver's ISN, from its SYN-ACK. */
  irs = 0;
  synAck: Reply | undefined;
  /** Our TSval for the next segment, when timestamps were negotiated. */
  tsValue: number;
  /** The receiver's latest TSval, echoed in our segments. */
  tsEcho = 0;
  timestamps = false;

  constructor(peer: CraftedPeer, port: number, options: PeerConnectionOptions = {}) {
    this.peer = peer;
    this.port = port;
    this.isn = (options.isn ?? 0x1000_0000 + port * 7919) >>> 0;
    this.sndNxt = this.isn;
    this.window = options.window ?? 65535;
    this.synOptions = options.synOptions ?? LINUX_SYN_OPTIONS;
    const ts = this.synOptions.find((o) => o[0] === "Timestamp");
    this.tsValue = ts === undefined ? 0 : (ts[1] as readonly number[])[0]!;
  }

  /** Sends our SYN and returns the SYN-ACK (without answering it). */
  async sendSyn(): Promise<Reply> {
    await this.peer.send({
      sport: this.port,
      flags: SYN,
      seq: this.isn,
      window: this.window,
      options: this.synOptions,
    });
    const synAck = await this.peer.next(this.port);
    this.synAck = synAck;
    this.irs = synAck.seq;
    this.rcvNxt = (synAck.seq + 1) >>> 0;
    this.sndNxt = (this.isn + 1) >>> 0;
    this.timestamps = synAck.options.timestamp !== undefined;
    if (synAck.options.timestamp !== undefined) this.tsEcho = synAck.options.timestamp[0];
    return synAck;
  }

  /** The three-way handshake: SYN, the receiver's SYN-ACK, our ACK. */
  async open(): Promise<Reply> {
    const synAck = await this.sendSyn();
    if (synAck.flags !== (SYN | ACK)) {
      throw new Error(`expected SYN-ACK, got ${flagNames(synAck.flags)}`);
    }
    await this.peer.send(this.segment({}));
    return synAck;
  }

  /** Our options for a segment: the timestamp once negotiated (RFC 7323 §3.2), plus `extra`. */
  optionsFor(extra: readonly ScapyOption[] = [], tsValue?: number): ScapyOption[] {
    const options: ScapyOption[] = [];
    if (this.timestamps) {
      options.push(
        ["NOP", null],
        ["NOP", null],
        ["Timestamp", [tsValue ?? this.tsValue++, this.tsEcho]],
      );
    }
    return [...options, ...extra];
  }

  /** A segment on this connection with the current numbers, overridable field by field. */
  segment(fields: Partial<CraftedSegment>): CraftedSegment {
    return {
      sport: this.port,
      flags: ACK,
      seq: this.sndNxt,
      ack: this.rcvNxt,
      window: this.window,
      options: this.optionsFor(),
      ...fields,
    };
  }

  /** A data segment at relative offset `offset` from `base` (no bookkeeping). */
  dataAt(base: number, offset: number, payload: Uint8Array | string): CraftedSegment {
    return this.segment({ flags: PSH | ACK, seq: (base + offset) >>> 0, payload });
  }

  /** Sends `payload` in order at SND.NXT and advances it. */
  async sendData(payload: Uint8Array | string, flags = PSH | ACK): Promise<number> {
    const segment = this.segment({ flags, payload });
    this.sndNxt = (this.sndNxt + Buffer.from(payload).length + (flags & FIN ? 1 : 0)) >>> 0;
    return this.peer.send(segment);
  }

  /** Waits for an ACK from the receiver covering `ack` (skipping older ones); returns it. */
  async ackFor(ack: number, timeoutMs = 2000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const reply = await this.peer.next(this.port, Math.max(left, 1));
      this.noteReceived(reply);
      if ((reply.flags & ACK) !== 0 && reply.ack === ack >>> 0) return reply;
    }
  }

  /** Follows the receiver's timestamp clock. */
  noteReceived(reply: Reply): void {
    if (reply.options.timestamp !== undefined) this.tsEcho = reply.options.timestamp[0];
  }

  /** A RST at RCV.NXT exactly: the receiver forgets the connection at once (RFC 5961 §3.2). */
  async reset(): Promise<void> {
    await this.peer.send(this.segment({ flags: RST | ACK, options: [] }));
  }
}
