import type { EchoDemoReport } from "./echo-demo.js";
import type { ProbeResult } from "./probe-result.js";
import { summarizeRoundTrips } from "./round-trip-times.js";

/** True when every probe sent what it planned and every request was answered. */
export function demoSucceeded(report: EchoDemoReport): boolean {
  return (
    report.probes.length > 0 &&
    report.probes.every((p) => p.problem === undefined && p.sent > 0 && p.answered === p.sent) &&
    report.portErrors.length === 0
  );
}

function milliseconds(value: number | undefined): string {
  return value === undefined ? "-" : value.toFixed(3);
}

function probeRow(probe: ProbeResult, labelWidth: number): string {
  const times = summarizeRoundTrips(probe.roundTripsMs);
  return [
    probe.label.padEnd(labelWidth),
    String(probe.sent).padStart(5),
    String(probe.answered).padStart(9),
    milliseconds(times?.min).padStart(9),
    milliseconds(times?.avg).padStart(9),
    milliseconds(times?.max).padStart(9),
  ].join("");
}

function dropsText(drops: object): string {
  const entries = Object.entries(drops) as [string, number][];
  const nonZero = entries.filter(([, count]) => count > 0);
  return nonZero.length === 0 ? "none" : nonZero.map(([cause, n]) => `${cause} ${n}`).join(", ");
}

/** The short, readable summary the demo prints. */
export function formatDemoReport(report: EchoDemoReport): string {
  const labelWidth = Math.max(...report.probes.map((p) => p.label.length), 5) + 2;
  const r = report.responder;
  const port = report.port;
  const droppedByResponder = Object.values(r.dropped).reduce((a, b) => a + b, 0);
  const lines = [
    `backend ${report.backend}, adapter ${report.adapterName}: kernel side ${report.kernelAddresses.join(", ")}`,
    `responder (an IPacketReceiver on the port): ${report.responderAddresses.join(", ")}, ICMP echo and UDP echo on port ${report.echoPort}`,
    "",
    `${"probe".padEnd(labelWidth)} sent answered   min ms   avg ms   max ms`,
    ...report.probes.map((p) => probeRow(p, labelWidth)),
    ...report.probes
      .filter((p) => p.problem !== undefined)
      .map((p) => `  ${p.label}: ${p.problem}`),
    "",
    `responder: ${r.requests} requests (${r.icmpRequests} ICMP echo, ${r.udpRequests} UDP echo), ` +
      `${r.answered} answered, ${droppedByResponder} dropped (${dropsText(r.dropped)}); ` +
      `${r.ignored} other ${r.ignored === 1 ? "packet" : "packets"} left to the port`,
    `port: received ${port.rxPackets} packets (${port.rxBytes} bytes) in ${port.rxBatches} batches, ` +
      `sent ${port.txPackets} packets (${port.txBytes} bytes), drops: ${dropsText(port.drops)}`,
    ...report.portErrors.map((e) => `port error: ${e}`),
    "",
  ];
  const sent = report.probes.reduce((n, p) => n + p.sent, 0);
  const answered = report.probes.reduce((n, p) => n + p.answered, 0);
  lines.push(
    demoSucceeded(report)
      ? `OK: all ${sent} requests answered (${(report.durationMs / 1000).toFixed(1)} s)`
      : `FAILED: ${answered} of ${sent} requests answered`,
  );
  return lines.join("\n");
}
