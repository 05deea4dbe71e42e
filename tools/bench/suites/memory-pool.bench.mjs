// @magma/memory-pool: nanoseconds per rent+dispose pair, beside what a packet costs without the
// pool, measured in the same run. Each case runs 1,000,000 pairs per repetition; repetitions of all
// cases are interleaved so machine noise falls on every case alike, and the median is reported.
// Garbage collections that start while a case runs are counted against it.
//
//   node --expose-gc tools/bench/suites/memory-pool.bench.mjs

import { PerformanceObserver, performance } from "node:perf_hooks";
import { PacketMemoryPool } from "@magma/memory-pool";

const PAIRS = 1_000_000;
const REPETITIONS = 11;
const BATCH = 32;
const SLOT_SIZE = 2048;

// Every case keeps its latest packets here, so none can be optimised away as unused.
const sink = new Array(64);

function poolRentDispose() {
  const pool = new PacketMemoryPool({ slotSize: SLOT_SIZE });
  return () => {
    for (let i = 0; i < PAIRS; i += 1) {
      const owner = pool.tryRent();
      owner.length = 1500;
      owner.memory[0] = i;
      sink[i & 63] = owner;
      owner.dispose();
    }
  };
}

function poolBatchRentDispose() {
  const pool = new PacketMemoryPool({ slotSize: SLOT_SIZE });
  const batch = new Array(BATCH);
  return () => {
    for (let i = 0; i < PAIRS; i += BATCH) {
      const rented = pool.rentInto(batch, BATCH);
      for (let n = 0; n < rented; n += 1) {
        const owner = batch[n];
        owner.length = 1500;
        owner.memory[0] = i;
        owner.dispose();
      }
      sink[i & 63] = batch[0];
    }
  };
}

function newUint8ArrayPerPacket() {
  return () => {
    for (let i = 0; i < PAIRS; i += 1) {
      const memory = new Uint8Array(SLOT_SIZE);
      memory[0] = i;
      sink[i & 63] = memory;
    }
  };
}

// The pool one writes first: an array of buffers, and a fresh owner object per rent.
function naiveArrayPool() {
  const free = [];
  for (let i = 0; i < 2048; i += 1) free.push(new Uint8Array(SLOT_SIZE));
  return () => {
    for (let i = 0; i < PAIRS; i += 1) {
      const memory = free.pop();
      let disposed = false;
      const owner = {
        memory,
        length: 1500,
        dispose() {
          if (disposed) throw new Error("disposed twice");
          disposed = true;
          free.push(memory);
        },
      };
      owner.memory[0] = i;
      sink[i & 63] = owner;
      owner.dispose();
    }
  };
}

// The floor: an array of buffers popped and pushed, no owner, no checks, no statistics.
function bareArrayStack() {
  const free = [];
  for (let i = 0; i < 2048; i += 1) free.push(new Uint8Array(SLOT_SIZE));
  return () => {
    for (let i = 0; i < PAIRS; i += 1) {
      const memory = free.pop();
      memory[0] = i;
      sink[i & 63] = memory;
      free.push(memory);
    }
  };
}

const cases = [
  { name: "PacketMemoryPool tryRent + dispose", run: poolRentDispose() },
  { name: `PacketMemoryPool rentInto(${BATCH}) + dispose`, run: poolBatchRentDispose() },
  { name: "new Uint8Array(2048) per packet", run: newUint8ArrayPerPacket() },
  { name: "naive array pool, owner object per rent", run: naiveArrayPool() },
  { name: "bare array pop/push (no owner, no checks)", run: bareArrayStack() },
];

const collections = [];
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections.push(entry.startTime);
});
observer.observe({ entryTypes: ["gc"] });

const windows = cases.map(() => []);
const samples = cases.map(() => []);
for (const c of cases) {
  c.run(); // warm-up: let the JIT settle before anything is timed
  c.run();
}
for (let rep = 0; rep < REPETITIONS; rep += 1) {
  cases.forEach((c, index) => {
    globalThis.gc?.();
    const start = performance.now();
    c.run();
    const end = performance.now();
    samples[index].push(((end - start) * 1e6) / PAIRS);
    windows[index].push([start, end]);
  });
}
await new Promise((resolve) => setTimeout(resolve, 50));
observer.disconnect();

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const gcCount = (index) =>
  collections.filter((t) => windows[index].some(([start, end]) => t >= start && t <= end)).length;

const poolNs = median(samples[0]);
console.log(
  `${PAIRS.toLocaleString("en")} rent+dispose pairs x ${REPETITIONS} repetitions, median ns per pair` +
    (globalThis.gc === undefined ? " (run with --expose-gc for steadier figures)" : ""),
);
console.log(
  `${"case".padEnd(46)}${"ns/pair".padStart(9)}${"vs pool".padStart(10)}${"GCs".padStart(7)}`,
);
cases.forEach((c, index) => {
  const ns = median(samples[index]);
  console.log(
    `${c.name.padEnd(46)}${ns.toFixed(1).padStart(9)}${`${(ns / poolNs).toFixed(2)}x`.padStart(10)}${String(gcCount(index)).padStart(7)}`,
  );
});
