// The reflector contract of ../reflector/README.md for reflectors written in Node.js, plus the
// measured window the harness opens and closes around the load generator's run (SIGUSR2 opens it,
// the next SIGUSR2 closes it), over which heap and garbage collection are reported.
import { PerformanceObserver, performance } from "node:perf_hooks";
import { getHeapSpaceStatistics } from "node:v8";

/** `--name value` pairs; `required` names must be present. Exits 2 with `usage` otherwise. */
export function readOptions(argv, { required, usage }) {
  const options = new Map();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!name?.startsWith("--") || value === undefined) fail(usage);
    options.set(name.slice(2), value);
  }
  for (const name of required) if (!options.has(name)) fail(usage);
  return options;
}

function fail(usage) {
  console.error(`usage: ${usage}`);
  process.exit(2);
}

/**
 * Contract step 1: one JSON line once packets can flow; `configured` when the reflector gave the
 * interface its address itself (through the API under test), so the harness leaves it alone.
 */
export function announceReady(ifname, { configured = false } = {}) {
  console.log(
    JSON.stringify({
      ready: true,
      ifname,
      pid: process.pid,
      ...(configured ? { configured } : {}),
    }),
  );
}

// PerformanceEntry 'gc' kinds (perf_hooks constants NODE_PERFORMANCE_GC_*).
const gcKindMinor = 1;

/** How long after its full collection the window opens (MeasuredWindow.start). */
const settleMs = 100;

/** Bytes in use in V8's code space: where the JIT puts what it compiles. */
const codeSpaceUsed = () =>
  getHeapSpaceStatistics().find((space) => space.space_name === "code_space")?.space_used_size ?? 0;

/**
 * Heap and GC over the window the harness measures. With no GC inside the window, heapUsed
 * after minus before is exactly what was allocated during it, so per reflected packet it shows
 * any per-packet allocation; with GCs, their count shows it (a scavenge runs every few MB
 * allocated). The harness opens the window after the load generator's warm-up, once the JIT has
 * compiled the hot path; what it still compiles later goes to the code space, which is left out of
 * that growth and reported on its own (some 50 to 200 KB, once), as over a short run at one packet
 * in flight it would read as bytes per packet.
 */
export class MeasuredWindow {
  #state = "before";
  #startedAt = 0;
  #endedAt = 0;
  #heapBefore = 0;
  #heapAfter = 0;
  #codeBefore = 0;
  #codeAfter = 0;
  #packetsBefore = 0;
  #packetsAfter = 0;
  #minor = 0;
  #major = 0;
  #gcMs = 0;
  #observer = new PerformanceObserver((list) => this.#count(list.getEntries()));

  constructor() {
    this.#observer.observe({ entryTypes: ["gc"] });
  }

  /** Opens the window, then closes it, on each SIGUSR2; `packets()` reads the reflected count. */
  listen(packets) {
    process.on("SIGUSR2", () => {
      if (this.#state === "before") this.start(packets);
      else if (this.#state === "open") this.end(packets());
    });
  }

  /** Collects, then opens the window once the heap's figures have settled (`packets()` then). */
  start(packets) {
    this.#state = "starting";
    // A full collection first, so the window starts from live data only. Right after it V8's
    // used-heap figure still moves by some 130 KB that no space's figure shows (its sweeping
    // settles the accounts), which read at once made the growth over a window at one packet in
    // flight swing between 0.9 and 2.9 bytes per packet from one round to the next.
    globalThis.gc?.();
    setTimeout(() => {
      this.#heapBefore = process.memoryUsage().heapUsed;
      this.#codeBefore = codeSpaceUsed();
      this.#packetsBefore = packets();
      this.#startedAt = performance.now();
      this.#state = "open";
      console.log(JSON.stringify({ window: "started" }));
    }, settleMs);
  }

  end(packets) {
    this.#endedAt = performance.now();
    this.#heapAfter = process.memoryUsage().heapUsed;
    this.#codeAfter = codeSpaceUsed();
    this.#packetsAfter = packets;
    this.#state = "closed";
    console.log(JSON.stringify({ window: "ended" }));
  }

  #count(entries) {
    for (const entry of entries) {
      if (this.#state === "before" || this.#state === "starting") continue;
      if (entry.startTime < this.#startedAt) continue;
      if (this.#state === "closed" && entry.startTime > this.#endedAt) continue;
      if (entry.detail?.kind === gcKindMinor) this.#minor++;
      else this.#major++;
      this.#gcMs += entry.duration;
    }
  }

  /** The window's figures for the summary line; undefined if the harness never opened it. */
  report(packetsNow) {
    if (this.#state === "before" || this.#state === "starting") return undefined;
    if (this.#state === "open") this.end(packetsNow);
    this.#count(this.#observer.takeRecords?.() ?? []);
    this.#observer.disconnect();
    const packets = this.#packetsAfter - this.#packetsBefore;
    const codeGrowth = this.#codeAfter - this.#codeBefore;
    const heapGrowth = this.#heapAfter - this.#heapBefore - codeGrowth;
    return {
      seconds: Number(((this.#endedAt - this.#startedAt) / 1000).toFixed(3)),
      packets,
      heapUsedBefore: this.#heapBefore,
      heapUsedAfter: this.#heapAfter,
      heapGrowthBytes: heapGrowth,
      codeSpaceGrowthBytes: codeGrowth,
      heapGrowthPerPacket: packets > 0 ? Number((heapGrowth / packets).toFixed(4)) : 0,
      gcCount: this.#minor + this.#major,
      minorGcCount: this.#minor,
      majorGcCount: this.#major,
      gcMs: Number(this.#gcMs.toFixed(3)),
    };
  }
}

/**
 * Contract steps 2 and 3: `stop()` runs once on SIGTERM, SIGINT or after `maxSeconds`; it
 * resolves to the summary object, printed as one JSON line before the process exits 0.
 */
export function onStopRequest(maxSeconds, stop) {
  let stopping = false;
  const run = async () => {
    if (stopping) return;
    stopping = true;
    clearTimeout(limit);
    let code = 0;
    try {
      console.log(JSON.stringify(await stop()));
    } catch (error) {
      console.error(error);
      code = 1;
    }
    process.exit(code);
  };
  const limit = setTimeout(run, maxSeconds * 1000);
  limit.unref();
  process.on("SIGTERM", run);
  process.on("SIGINT", run);
}

/** The --max-seconds option: a forgotten reflector stops by itself. */
export function maxSecondsOption(options) {
  const value = Number(options.get("max-seconds") ?? 600);
  if (!Number.isInteger(value) || value < 1 || value > 86_400) {
    console.error("--max-seconds must be an integer in 1..86400");
    process.exit(2);
  }
  return value;
}
