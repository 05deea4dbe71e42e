import { describe, expect, it } from "vitest";
import { describeCapture } from "./capture.js";
import { positiveNumber } from "./number-options.js";
import { flattenStatistics, formatStatistics } from "./stats.js";

describe("flattenStatistics and formatStatistics", () => {
  const stats = { rxPackets: 1500, drops: { txRingFull: 2, rxPoolExhausted: 0 }, capture: {} };

  it("name nested counters with a dot, in the port's order, and skip empty groups", () => {
    expect(flattenStatistics(stats)).toEqual([
      { name: "rxPackets", value: 1500 },
      { name: "drops.txRingFull", value: 2 },
      { name: "drops.rxPoolExhausted", value: 0 },
    ]);
  });

  it("align the values, mark drops that are not zero, and give rates against a sample", () => {
    const now = flattenStatistics(stats);
    expect(formatStatistics(now)).toBe(
      [
        "  rxPackets              1,500",
        "  drops.txRingFull           2  !",
        "  drops.rxPoolExhausted      0",
        "",
      ].join("\n"),
    );
    const before = flattenStatistics({ rxPackets: 500, drops: { txRingFull: 2 } });
    expect(formatStatistics(now, { counters: before, seconds: 2 })).toBe(
      [
        "  rxPackets              1,500  500/s",
        "  drops.txRingFull           2  0/s  !",
        "  drops.rxPoolExhausted      0",
        "",
      ].join("\n"),
    );
  });
});

describe("flattenStatistics of a port with workers", () => {
  const stats = {
    rxPackets: 40,
    drops: { rxWorkerQueueFull: 3 },
    workers: [
      { index: 0, running: true, handedOff: 30, queueFull: 3, lost: 0 },
      { index: 1, running: true, handedOff: 7, queueFull: 0, lost: 2 },
    ],
  };

  it("names each worker's counters by its number, and marks what a worker dropped or lost", () => {
    const counters = flattenStatistics(stats);
    expect(counters.map((counter) => counter.name)).toEqual([
      "rxPackets",
      "drops.rxWorkerQueueFull",
      "workers.0.handedOff",
      "workers.0.queueFull",
      "workers.0.lost",
      "workers.1.handedOff",
      "workers.1.queueFull",
      "workers.1.lost",
    ]);
    const marked = formatStatistics(counters)
      .split("\n")
      .filter((line) => line.endsWith("!"))
      .map((line) => line.trim().split(/\s+/)[0]);
    expect(marked).toEqual(["drops.rxWorkerQueueFull", "workers.0.queueFull", "workers.1.lost"]);
  });
});

describe("describeCapture", () => {
  const summary = {
    adapterName: "Magma",
    file: "out.pcapng",
    packets: 1,
    fileBytes: 180,
    seconds: 2.04,
    stoppedBy: "count",
    drops: 0,
  };

  it("says what was captured, where, and why it stopped", () => {
    expect(describeCapture(summary)).toBe(
      "Captured 1 packet (180 bytes) from Magma to out.pcapng in 2.0 s; the count was reached.\n",
    );
  });

  it("says how many packets the capture lost and what helps", () => {
    expect(describeCapture({ ...summary, packets: 5, drops: 3 })).toContain(
      "The port left 3 packets out of the capture",
    );
  });
});

describe("positiveNumber", () => {
  it("takes numbers above zero, and whole ones within the limit for integers", () => {
    expect(positiveNumber("--interval", "0.5")).toBe(0.5);
    expect(positiveNumber("--count", "12", "integer")).toBe(12);
    expect(positiveNumber("--snaplen", "65535", "integer", 65535)).toBe(65535);
  });

  it.each([
    ["0", "number"],
    ["-2", "number"],
    ["", "number"],
    ["NaN", "number"],
    ["Infinity", "number"],
    ["1.5", "integer"],
    ["ten", "integer"],
  ] as const)("refuses %j as a %s with INVALID_ARGUMENT naming the option", (text, kind) => {
    expect(() => positiveNumber("--count", text, kind)).toThrow(
      expect.objectContaining({
        code: "INVALID_ARGUMENT",
        message: expect.stringContaining("--count"),
      }),
    );
  });

  it("refuses a number above the limit, and says the limit", () => {
    expect(() => positiveNumber("--snaplen", "65536", "integer", 65535)).toThrow(/at most 65535/);
  });
});
