import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { BlockType, PcapngBlockSplitter } from "@magma/pcapng";
import { ControlClient, type ControlStatistics } from "@magma/wintun-native";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { type CommandIo, toJson } from "../output.js";
import { positiveNumber } from "./number-options.js";
import { type StopSignal, untilStopped } from "./stop-signals.js";

export interface CaptureCommandOptions {
  /** The pcapng file to write, or "-" for standard output. */
  readonly write: string;
  /** Stop after this many packets. */
  readonly count?: string;
  /** Stop after this many seconds. */
  readonly duration?: string;
  /** Bytes kept of each packet (1 to 65535). */
  readonly snaplen?: string;
  readonly json?: boolean;
}

export interface CaptureSummary {
  readonly adapterName: string;
  readonly file: string;
  readonly packets: number;
  /** Bytes written: the pcapng headers and the packets' blocks. */
  readonly fileBytes: number;
  readonly seconds: number;
  /** Why it stopped: "count", "duration", "signal" or "port-ended". */
  readonly stoppedBy: string;
  /** Packets the port left out of the capture meanwhile (its reader fell behind), if known. */
  readonly drops: number | undefined;
}

/**
 * Captures the packets of the port on adapter `name`, running in another process, into a pcapng
 * file through its control endpoint, both directions with nanosecond timestamps. Stops after
 * --count packets, --duration seconds, Ctrl+C, or when the port ends; the file then holds whole
 * blocks only, so Wireshark's tools read it however it stopped.
 */
export async function captureCommand(
  name: string,
  options: CaptureCommandOptions,
  io: CommandIo,
  stopped: StopSignal = untilStopped,
  standardOutput: Writable = process.stdout,
): Promise<ExitCodeValue> {
  const count =
    options.count === undefined
      ? Number.POSITIVE_INFINITY
      : positiveNumber("--count", options.count, "integer");
  const seconds =
    options.duration === undefined ? undefined : positiveNumber("--duration", options.duration);
  const snapLength =
    options.snaplen === undefined
      ? undefined
      : positiveNumber("--snaplen", options.snaplen, "integer", 65535);
  const toStandardOutput = options.write === "-";
  // With the capture on standard output, the report goes to standard error.
  const report = toStandardOutput ? io.stderr : io.stdout;

  const client = await ControlClient.connect(name);
  const { adapterName } = client.greeting;
  const dropsBefore = captureDrops(await client.stats());
  const stream = await client.capture(snapLength === undefined ? {} : { snapLength });
  const file = toStandardOutput ? standardOutput : createWriteStream(options.write);
  const started = process.hrtime.bigint();
  const done = new AbortController();
  let packets = 0;
  let fileBytes = 0;
  let stoppedBy = "port-ended";
  try {
    await new Promise<void>((resolve, reject) => {
      const finish = (why: string) => {
        stoppedBy = why;
        resolve();
      };
      const splitter = new PcapngBlockSplitter();
      stream.on("data", (chunk: Buffer) => {
        try {
          for (const block of splitter.push(chunk)) {
            if (packets >= count) break;
            // A file slower than the port holds the stream back, and then the port leaves
            // packets out of the capture (counted as drops) rather than this process buffering.
            if (!file.write(block.bytes)) {
              stream.pause();
              file.once("drain", () => stream.resume());
            }
            fileBytes += block.bytes.length;
            if (block.type === BlockType.EnhancedPacket) packets++;
          }
        } catch (error) {
          reject(error);
        }
        if (packets >= count) finish("count");
      });
      stream.once("end", () => finish("port-ended"));
      file.once("error", reject);
      if (seconds !== undefined) {
        setTimeout(() => finish("duration"), seconds * 1000).unref();
      }
      stopped(done.signal).then((signal) => {
        if (signal !== undefined) finish("signal");
      });
    });
  } finally {
    done.abort();
    stream.destroy();
    client.close();
    if (!toStandardOutput) {
      file.end();
      await finished(file);
    }
  }
  const summary: CaptureSummary = {
    adapterName,
    file: toStandardOutput ? "-" : options.write,
    packets,
    fileBytes,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    stoppedBy,
    drops: await dropsSince(name, dropsBefore),
  };
  report(options.json === true ? toJson(summary) : describeCapture(summary));
  return ExitCode.OK;
}

function captureDrops(stats: Awaited<ReturnType<ControlClient["stats"]>>): number | undefined {
  const capture = stats.capture;
  if (typeof capture !== "object" || Array.isArray(capture)) return undefined;
  const drops = (capture as ControlStatistics).drops;
  return typeof drops === "number" ? drops : undefined;
}

// The port's capture drops since `before`, read on a new connection; unknown once the port ended.
async function dropsSince(name: string, before: number | undefined): Promise<number | undefined> {
  if (before === undefined) return undefined;
  try {
    const client = await ControlClient.connect(name, { timeoutMs: 1000 });
    try {
      const after = captureDrops(await client.stats());
      return after === undefined ? undefined : after - before;
    } finally {
      client.close();
    }
  } catch {
    return undefined;
  }
}

export function describeCapture(summary: CaptureSummary): string {
  const why: Record<string, string> = {
    count: "the count was reached",
    duration: "the duration ended",
    signal: "stopped",
    "port-ended": "the port ended",
  };
  const lines = [
    `Captured ${summary.packets} packet${summary.packets === 1 ? "" : "s"} (${summary.fileBytes} bytes) from ${summary.adapterName} to ${summary.file} in ${summary.seconds.toFixed(1)} s; ${why[summary.stoppedBy] ?? summary.stoppedBy}.`,
  ];
  if (summary.drops !== undefined && summary.drops > 0) {
    lines.push(
      `The port left ${summary.drops} packets out of the capture: the capture could not keep up (a slow disk or reader). --snaplen keeps less of each packet.`,
    );
  }
  return `${lines.join("\n")}\n`;
}
