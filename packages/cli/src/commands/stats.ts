import { setTimeout as sleep } from "node:timers/promises";
import { ControlClient, ControlError, type ControlStatistics } from "@magma/wintun-native";
import { ExitCode, type ExitCodeValue } from "../exit-codes.js";
import { type CommandIo, toJson } from "../output.js";
import { positiveNumber } from "./number-options.js";
import { type StopSignal, untilStopped } from "./stop-signals.js";

export interface StatsCommandOptions {
  readonly watch?: boolean;
  /** Seconds between samples with --watch (default 1). */
  readonly interval?: string;
  /** With --watch: stop after this many samples. */
  readonly count?: string;
  readonly json?: boolean;
}

/** One counter of the flattened statistics: "rxPackets", "drops.txRingFull"… */
export interface Counter {
  readonly name: string;
  readonly value: number;
}

/**
 * The statistics as one list of counters, groups named with a dot, in the port's order. A list
 * (a port's `workers`) names its elements by position: "workers.1.queueFull"; an element's own
 * `index`, the same number, is left out.
 */
export function flattenStatistics(stats: ControlStatistics, prefix = ""): Counter[] {
  const counters: Counter[] = [];
  for (const [name, value] of Object.entries(stats)) {
    if (typeof value === "number") counters.push({ name: `${prefix}${name}`, value });
    else if (Array.isArray(value)) {
      value.forEach((element: ControlStatistics, position) => {
        const { index: _position, ...counted } = element;
        counters.push(...flattenStatistics(counted, `${prefix}${name}.${position}.`));
      });
    } else if (typeof value === "object" && value !== null) {
      counters.push(...flattenStatistics(value as ControlStatistics, `${prefix}${name}.`));
    }
  }
  return counters;
}

/** Counters of packets lost: the port's drops, and what its workers dropped or lost. */
const LOSS_COUNTER = /(^|\.)drops\.|\.(queueFull|lost)$/;

/**
 * The table for people: each counter, and with a previous sample `seconds` earlier, its rate per
 * second. Drops that are not zero are marked, since they are what a person looks for.
 */
export function formatStatistics(
  counters: readonly Counter[],
  previous?: { readonly counters: readonly Counter[]; readonly seconds: number },
): string {
  const before = new Map(previous?.counters.map((counter) => [counter.name, counter.value]));
  const width = Math.max(...counters.map((counter) => counter.name.length));
  const values = counters.map((counter) => counter.value.toLocaleString("en-US"));
  const valueWidth = Math.max(...values.map((value) => value.length));
  const lines = counters.map((counter, i) => {
    const value = (values[i] as string).padStart(valueWidth);
    const start = before.get(counter.name);
    const rate =
      previous === undefined || start === undefined
        ? ""
        : `  ${Math.round((counter.value - start) / previous.seconds).toLocaleString("en-US")}/s`;
    const flagged = LOSS_COUNTER.test(counter.name) && counter.value > 0 ? "  !" : "";
    return `  ${counter.name.padEnd(width)}  ${value}${rate}${flagged}`.trimEnd();
  });
  return `${lines.join("\n")}\n`;
}

/**
 * The counters of the port that runs on adapter `name` in another process, through its control
 * endpoint; with --watch, again every interval (with rates) until Ctrl+C, --count samples, or the
 * port's end.
 */
export async function statsCommand(
  name: string,
  options: StatsCommandOptions,
  io: CommandIo,
  stopped: StopSignal = untilStopped,
): Promise<ExitCodeValue> {
  const interval = positiveNumber("--interval", options.interval ?? "1");
  const samples =
    options.count === undefined
      ? Number.POSITIVE_INFINITY
      : positiveNumber("--count", options.count, "integer");
  const client = await ControlClient.connect(name);
  const { adapterName, pid, backend } = client.greeting;
  const done = new AbortController();
  try {
    if (options.watch !== true) {
      const stats = await client.stats();
      io.stdout(
        options.json === true
          ? toJson({ adapterName, pid, backend, stats })
          : `${adapterName} (${backend}, process ${pid})\n${formatStatistics(flattenStatistics(stats))}`,
      );
      return ExitCode.OK;
    }
    let stop = false;
    const stopping = stopped(done.signal).then(() => {
      stop = true;
    });
    let previous: { counters: Counter[]; at: number } | undefined;
    for (let sample = 0; sample < samples && !stop; sample++) {
      if (sample > 0) await Promise.race([sleep(interval * 1000), stopping]);
      if (stop) break;
      let stats: ControlStatistics;
      try {
        stats = await client.stats();
      } catch (error) {
        if (error instanceof ControlError && error.code === "PROTOCOL" && sample > 0) {
          io.stderr(`The port on ${adapterName} has ended.\n`);
          return ExitCode.OK;
        }
        throw error;
      }
      const at = Date.now();
      const counters = flattenStatistics(stats);
      const time = new Date(at).toISOString();
      io.stdout(
        options.json === true
          ? toJson({ time, adapterName, pid, stats }, "one line")
          : `${time}  ${adapterName} (process ${pid})\n${formatStatistics(
              counters,
              previous === undefined
                ? undefined
                : { counters: previous.counters, seconds: (at - previous.at) / 1000 },
            )}\n`,
      );
      previous = { counters, at };
    }
    return ExitCode.OK;
  } finally {
    done.abort();
    client.close();
  }
}
