import { createWriteStream, WriteStream } from "node:fs";
import { Socket } from "node:net";
import { finished, type Writable } from "node:stream";
import {
  type EnhancedPacketHeader,
  enhancedPacketBlockLength,
  interfaceDescriptionBlock,
  LINKTYPE_RAW,
  NANOSECOND_RESOLUTION,
  PacketDirection,
  sectionHeaderBlock,
  setTimestamp,
  writeEnhancedPacketBlock,
} from "@magma/pcapng";
import {
  checkOptionNames,
  integerOption,
  OptionError,
  type PacketOwner,
  stringOption,
} from "@magma/transport";
import { PortError } from "./port-error.js";

/** wintun's largest packet: no longer one is ever received or sent. */
const MAX_PACKET_LENGTH = 0xffff;
/** The capture buffer is cut into this many chunks; a chunk is written to the destination whole. */
const CHUNK_COUNT = 8;
export const MIN_CAPTURE_BUFFER_SIZE = CHUNK_COUNT * enhancedPacketBlockLength(MAX_PACKET_LENGTH);
export const DEFAULT_CAPTURE_BUFFER_SIZE = 4 * 1024 * 1024;
export const MAX_CAPTURE_BUFFER_SIZE = 1024 * 1024 * 1024;

export interface CaptureOptions {
  /** Bytes kept of each packet, 1 to 65535 (the default: whole packets). */
  readonly snapLength?: number;
  /**
   * Bytes of memory for packets not yet written to the destination (default 4 MiB, at least
   * `MIN_CAPTURE_BUFFER_SIZE`). When the destination falls this far behind, packets are not
   * captured (counted as `drops`); the port's traffic is never held up.
   */
  readonly bufferSize?: number;
  /** The file's `if_name`. Default: the adapter's name. */
  readonly interfaceName?: string;
}

/** Where a capture goes: a file path (created or truncated) or a stream the caller owns. */
export type CaptureDestination = string | Writable;

/** A port's capture counters, summed over its captures. */
export interface CaptureCounters {
  /** Packets put in the capture, both directions. */
  packets: number;
  /** Their captured bytes (each cut to `snapLength`). */
  bytes: number;
  /** Packets not captured because the buffer was full: the destination was too slow. */
  drops: number;
}

/**
 * How a capture ended: closed by `close()` (or the port's), failed by its destination, or aborted
 * (`abort()`: its reader went away).
 */
export interface CaptureEnd {
  readonly reason: "closed" | "failed" | "aborted";
  /** For "failed": a `PortError` with code `CAPTURE_FAILED`, the destination's error its cause. */
  readonly error?: PortError;
}

const WHERE = "WinTunPort.capture";
const CAPTURE_OPTION_NAMES: readonly (keyof CaptureOptions)[] = [
  "snapLength",
  "bufferSize",
  "interfaceName",
];

interface ResolvedCaptureOptions {
  readonly snapLength: number;
  readonly bufferSize: number;
  readonly interfaceName: string;
}

/** Checks `capture()`'s arguments before anything is opened, so a bad one leaves nothing behind. */
export function checkCaptureArguments(
  destination: unknown,
  options: CaptureOptions | undefined,
  adapterName: string,
): ResolvedCaptureOptions {
  const isPath = typeof destination === "string" && destination.length > 0;
  if (!isPath && !isWritable(destination)) {
    throw new OptionError(
      "INVALID_OPTION",
      WHERE,
      "destination",
      destination,
      "a file path or a Writable stream",
    );
  }
  checkOptionNames(WHERE, options, CAPTURE_OPTION_NAMES);
  return {
    snapLength: integerOption(
      WHERE,
      "snapLength",
      options?.snapLength,
      MAX_PACKET_LENGTH,
      1,
      MAX_PACKET_LENGTH,
    ),
    bufferSize: integerOption(
      WHERE,
      "bufferSize",
      options?.bufferSize,
      DEFAULT_CAPTURE_BUFFER_SIZE,
      MIN_CAPTURE_BUFFER_SIZE,
      MAX_CAPTURE_BUFFER_SIZE,
    ),
    interfaceName:
      stringOption(WHERE, "interfaceName", options?.interfaceName, false) ?? adapterName,
  };
}

function isWritable(value: unknown): value is Writable {
  const stream = value as Partial<Writable> | null;
  return (
    typeof stream === "object" &&
    stream !== null &&
    typeof stream.write === "function" &&
    typeof stream.end === "function" &&
    typeof stream.on === "function"
  );
}

/**
 * A running capture of a port's packets into a pcapng stream. The port's receive pump and
 * transmitter hand it each batch (`record`); it copies each packet, cut to `snapLength`, as an
 * Enhanced Packet Block into preallocated chunks, and writes full chunks, or the partly filled one
 * whenever the destination is idle, from a setImmediate callback: never from the packet path.
 * Chunks come back when the destination's write completes; with none free, a packet is a drop.
 */
export class PacketCapture {
  /** Resolves once, when the capture has ended, with why. Never rejects. */
  readonly ended: Promise<CaptureEnd>;
  readonly snapLength: number;
  readonly #stream: Writable;
  /**
   * Whether each chunk is copied before it is written. A chunk's memory is reused once its write
   * calls back; files and sockets are done with it by then, but a stream that passes chunks on
   * (a PassThrough, a Writable that keeps them) still holds it, and would see it overwritten.
   */
  readonly #copies: boolean;
  readonly #totals: CaptureCounters;
  readonly #start: Readonly<CaptureCounters>;
  #final: Readonly<CaptureCounters> | undefined;
  readonly #chunks: Uint8Array[] = [];
  readonly #chunkSize: number;
  /** Free chunks, as a stack of indices. */
  readonly #free = new Int32Array(CHUNK_COUNT);
  #freeCount = CHUNK_COUNT;
  /** Filled chunks waiting to be written, in order, and their lengths. */
  readonly #ready = new Int32Array(CHUNK_COUNT);
  readonly #readyLength = new Int32Array(CHUNK_COUNT);
  #readyCount = 0;
  #active = -1;
  #fill = 0;
  #writesInFlight = 0;
  #flushScheduled = false;
  #stopped = false;
  #closing: Promise<void> | undefined;
  #ending: CaptureEnd | undefined;
  #resolveEnded!: (end: CaptureEnd) => void;
  readonly #header: EnhancedPacketHeader = {
    interfaceId: 0,
    timestampHigh: 0,
    timestampLow: 0,
    direction: PacketDirection.Unknown,
  };
  /** Added to process.hrtime.bigint() gives nanoseconds since 1970: fixed once per capture. */
  readonly #epochOffset: bigint;
  readonly #onStop: (capture: PacketCapture) => void;
  readonly #onFailure: (error: PortError) => void;
  readonly #flushNow = (): void => {
    this.#flushScheduled = false;
    this.#flush();
  };

  /** @internal Made by `WinTunPort.capture()`, with arguments `checkCaptureArguments` passed. */
  constructor(
    destination: CaptureDestination,
    options: ResolvedCaptureOptions,
    totals: CaptureCounters,
    onStop: (capture: PacketCapture) => void,
    onFailure: (error: PortError) => void,
  ) {
    this.snapLength = options.snapLength;
    this.#totals = totals;
    this.#start = { ...totals };
    this.#onStop = onStop;
    this.#onFailure = onFailure;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    this.#chunkSize = Math.floor(options.bufferSize / CHUNK_COUNT) & ~3;
    for (let i = 0; i < CHUNK_COUNT; i++) {
      this.#chunks.push(new Uint8Array(this.#chunkSize));
      this.#free[i] = CHUNK_COUNT - 1 - i;
    }
    // One reading of both clocks: the wall clock (to the millisecond) places the capture in time,
    // the monotonic clock times every packet, so timestamps never go backwards when the system
    // clock is adjusted during the capture.
    this.#epochOffset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    this.#stream = typeof destination === "string" ? createWriteStream(destination) : destination;
    this.#copies = !(this.#stream instanceof WriteStream || this.#stream instanceof Socket);
    this.#stream.on("error", (error: unknown) => this.#fail(error));
    this.#write(
      Buffer.concat([
        sectionHeaderBlock({ application: "Magma (@magma/wintun-native)" }),
        interfaceDescriptionBlock({
          linkType: LINKTYPE_RAW,
          snapLength: options.snapLength,
          name: options.interfaceName,
          timestampResolution: NANOSECOND_RESOLUTION,
        }),
      ]),
      -1,
    );
  }

  /** This capture's counters: since it started, and frozen once it ended. */
  get stats(): Readonly<CaptureCounters> {
    if (this.#final !== undefined) return this.#final;
    return {
      packets: this.#totals.packets - this.#start.packets,
      bytes: this.#totals.bytes - this.#start.bytes,
      drops: this.#totals.drops - this.#start.drops,
    };
  }

  /**
   * @internal Copies the first `count` packets of a batch into the capture, all with the batch's
   * timestamp (they crossed together). Allocates nothing but the timestamp.
   */
  record(packets: readonly PacketOwner[], count: number, direction: PacketDirection): void {
    if (this.#stopped) return;
    const header = this.#header;
    header.direction = direction;
    setTimestamp(header, process.hrtime.bigint() + this.#epochOffset);
    const snapLength = this.snapLength;
    const totals = this.#totals;
    for (let i = 0; i < count; i++) {
      const packet = packets[i] as PacketOwner;
      const length = packet.length;
      const captured = Math.min(length, snapLength);
      const need = enhancedPacketBlockLength(captured);
      if (this.#active < 0 || this.#fill + need > this.#chunkSize) {
        if (!this.#nextChunk()) {
          totals.drops++;
          continue;
        }
      }
      this.#fill = writeEnhancedPacketBlock(
        this.#chunks[this.#active] as Uint8Array,
        this.#fill,
        header,
        packet.memory,
        captured,
        length,
      );
      totals.packets++;
      totals.bytes += captured;
    }
    if (!this.#flushScheduled && (this.#fill > 0 || this.#readyCount > 0)) {
      this.#flushScheduled = true;
      setImmediate(this.#flushNow);
    }
  }

  /**
   * Stops capturing, writes every captured packet, ends the stream (closing the file for a path)
   * and resolves once the destination has finished. Rejects with the `CAPTURE_FAILED` error when
   * the destination failed. A destination that never finishes its writes keeps this pending.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop();
      this.#flush(true);
      if (!this.#isOver()) {
        await new Promise<void>((resolve) => {
          finished(this.#stream, () => resolve());
          this.#stream.end();
        });
        this.#end({ reason: "closed" });
      }
      const end = await this.ended;
      if (end.error !== undefined) throw end.error;
    })();
    return this.#closing;
  }

  /**
   * Ends the capture at once, leaving out what is not yet written, and destroys the destination:
   * for a reader that has gone away (a control client that disconnected), where neither writing
   * the rest nor reporting a failure makes sense. Reports nothing; `ended` gives "aborted".
   */
  abort(): void {
    if (this.#isOver()) return;
    this.#stop();
    this.#end({ reason: "aborted" });
    if (!this.#stream.destroyed) this.#stream.destroy();
  }

  #isOver(): boolean {
    return this.#ending !== undefined;
  }

  #end(end: CaptureEnd): void {
    if (this.#ending !== undefined) return;
    this.#ending = end;
    this.#final = this.stats;
    this.#resolveEnded(end);
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#final = this.stats;
    this.#stopped = true;
    this.#onStop(this);
  }

  #fail(cause: unknown): void {
    if (this.#isOver()) return;
    this.#stop();
    const error = new PortError(
      "CAPTURE_FAILED",
      "the capture's destination failed; capture ended",
      {
        cause,
        hint: "check the path and its permissions, or the stream's error (its cause)",
      },
    );
    this.#end({ reason: "failed", error });
    if (!this.#stream.destroyed) this.#stream.destroy();
    this.#onFailure(error);
  }

  // The active chunk is full (or there is none): queue it for writing and take a free one.
  #nextChunk(): boolean {
    if (this.#active >= 0 && this.#fill > 0) this.#queueActive();
    else if (this.#active >= 0) this.#free[this.#freeCount++] = this.#active;
    this.#active = -1;
    if (this.#freeCount === 0) return false;
    this.#active = this.#free[--this.#freeCount] as number;
    this.#fill = 0;
    return true;
  }

  #queueActive(): void {
    this.#ready[this.#readyCount] = this.#active;
    this.#readyLength[this.#readyCount] = this.#fill;
    this.#readyCount++;
    this.#active = -1;
    this.#fill = 0;
  }

  // Writes the full chunks, and the partly filled one when nothing else is being written (or at
  // close), so a quiet port's packets reach the file promptly and a busy one's go in large writes.
  #flush(all = false): void {
    if (this.#isOver()) return;
    if (
      this.#active >= 0 &&
      this.#fill > 0 &&
      (all || (this.#readyCount === 0 && this.#writesInFlight === 0))
    ) {
      this.#queueActive();
    }
    for (let i = 0; i < this.#readyCount; i++) {
      const index = this.#ready[i] as number;
      this.#write((this.#chunks[index] as Uint8Array).subarray(0, this.#readyLength[i]), index);
    }
    this.#readyCount = 0;
  }

  #write(bytes: Uint8Array, chunk: number): void {
    this.#writesInFlight++;
    // One copy per chunk written, not per packet: a chunk holds many packets under load.
    this.#stream.write(chunk >= 0 && this.#copies ? Buffer.from(bytes) : bytes, (error) => {
      this.#writesInFlight--;
      if (error) return this.#fail(error);
      if (chunk >= 0) this.#free[this.#freeCount++] = chunk;
      // Idle again: what was captured meanwhile goes out now.
      if (this.#writesInFlight === 0 && !this.#flushScheduled && !this.#stopped) this.#flush();
    });
  }
}
