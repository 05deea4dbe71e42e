import type { SessionPortStatistics } from "@magma/wintun-native";
import { describe, expect, it } from "vitest";
import { demoSucceeded, formatDemoReport } from "./demo-report.js";
import type { EchoDemoReport } from "./echo-demo.js";
import { summarizeRoundTrips } from "./round-trip-times.js";

const port: SessionPortStatistics = {
  rxPackets: 12,
  rxBytes: 1000,
  rxBatches: 10,
  txPackets: 10,
  txBytes: 900,
  drops: {
    rxPoolExhausted: 0,
    rxLeftInRing: 0,
    txRingFull: 0,
    txPoolExhausted: 0,
    txLargePoolExhausted: 0,
    txSessionEnded: 0,
    txInvalidPacket: 0,
    rxInvalidPacket: 0,
    rxWorkerQueueFull: 0,
    rxWorkerLost: 0,
  },
  receiver: { consumed: 10, declined: 2, receiverErrors: 0 },
  capture: { packets: 0, bytes: 0, drops: 0 },
  interface: undefined,
};

function report(overrides: Partial<EchoDemoReport> = {}): EchoDemoReport {
  return {
    backend: "wintun",
    adapterName: "MagmaDemo",
    kernelAddresses: ["198.18.0.1/24"],
    responderAddresses: ["198.18.0.2"],
    echoPort: 7,
    probes: [
      { label: "ping 198.18.0.2", sent: 5, answered: 5, roundTripsMs: [0.1, 0.2, 0.3, 0.2, 0.2] },
      { label: "UDP 198.18.0.2:7", sent: 5, answered: 5, roundTripsMs: [1, 1, 1, 1, 1] },
    ],
    responder: {
      offered: 12,
      requests: 10,
      icmpRequests: 5,
      udpRequests: 5,
      answered: 10,
      dropped: {
        noBuffer: 0,
        tooLarge: 0,
        badChecksum: 0,
        fragment: 0,
        routingHeader: 0,
        malformed: 0,
      },
      ignored: 2,
    },
    port,
    portErrors: [],
    durationMs: 1500,
    ...overrides,
  };
}

describe("the demo's summary", () => {
  it("succeeds only when every probe's requests were all answered", () => {
    expect(demoSucceeded(report())).toBe(true);
    const lost = report();
    expect(
      demoSucceeded({
        ...lost,
        probes: [{ label: "ping 198.18.0.2", sent: 5, answered: 4, roundTripsMs: [1, 1, 1, 1] }],
      }),
    ).toBe(false);
    expect(
      demoSucceeded({
        ...lost,
        probes: [{ label: "UDP", sent: 0, answered: 0, roundTripsMs: [], problem: "cannot bind" }],
      }),
    ).toBe(false);
    expect(demoSucceeded({ ...lost, probes: [] })).toBe(false);
    expect(demoSucceeded({ ...lost, portErrors: ["the receiver's tryConsume threw"] })).toBe(false);
  });

  it("prints each probe's counts and round trips, the responder's and the port's counters", () => {
    const text = formatDemoReport(report());
    expect(text.split("\n")[0]).toBe(
      "backend wintun, adapter MagmaDemo: kernel side 198.18.0.1/24",
    );
    expect(formatDemoReport(report({ backend: "tap", adapterName: "MagmaTapDemo" }))).toContain(
      "backend tap, adapter MagmaTapDemo:",
    );
    expect(text).toMatch(/ping 198\.18\.0\.2\s+5\s+5\s+0\.100\s+0\.200\s+0\.300/);
    expect(text).toContain(
      "10 requests (5 ICMP echo, 5 UDP echo), 10 answered, 0 dropped (none); 2 other packets left to the port",
    );
    expect(text).toContain("received 12 packets (1000 bytes) in 10 batches");
    expect(text).toContain("drops: none");
    expect(text.split("\n").at(-1)).toBe("OK: all 10 requests answered (1.5 s)");
  });

  it("names what went wrong when something was not answered", () => {
    const text = formatDemoReport(
      report({
        probes: [
          {
            label: "UDP 198.18.0.2:7",
            sent: 0,
            answered: 0,
            roundTripsMs: [],
            problem: "cannot bind",
          },
        ],
        port: { ...port, drops: { ...port.drops, txRingFull: 3 } },
      }),
    );
    expect(text).toContain("UDP 198.18.0.2:7: cannot bind");
    expect(text).toContain("drops: txRingFull 3");
    expect(text.split("\n").at(-1)).toBe("FAILED: 0 of 0 requests answered");
  });
});

describe("summarizeRoundTrips", () => {
  it("gives min, mean and max, and nothing for no answers", () => {
    expect(summarizeRoundTrips([2, 1, 3])).toEqual({ min: 1, avg: 2, max: 3 });
    expect(summarizeRoundTrips([])).toBeUndefined();
  });
});
