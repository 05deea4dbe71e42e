import type { ProbeResult } from "./probe-result.js";
import { runCommand } from "./run-command.js";

export interface PingOptions {
  readonly address: string;
  readonly family: 4 | 6;
  readonly count: number;
}

/** What a ping run printed, read back: requests sent and one round-trip time per reply. */
export interface PingOutput {
  readonly transmitted: number;
  readonly roundTripsMs: number[];
}

// iputils (Linux): "64 bytes from 198.18.0.2: icmp_seq=1 ttl=64 time=0.088 ms" and
// "5 packets transmitted, 5 received, 0% packet loss, time 813ms".
// Windows: "Reply from 198.18.0.2: bytes=32 time<1ms TTL=64" and
// "Packets: Sent = 5, Received = 5, Lost = 0 (0% loss)" (whole milliseconds, "<1ms" read as 1).
const REPLY_TIME = /\btime[=<]\s*([\d.]+)\s*ms/;
const LINUX_TRANSMITTED = /(\d+) packets transmitted/;
const WINDOWS_SENT = /Sent = (\d+)/;

/** Reads ping's output (iputils or Windows); duplicate replies are not counted twice. */
export function parsePingOutput(text: string): PingOutput {
  const roundTripsMs: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line.includes("(DUP!)")) continue;
    const time = REPLY_TIME.exec(line);
    if (time !== null) roundTripsMs.push(Number(time[1]));
  }
  const sent = LINUX_TRANSMITTED.exec(text) ?? WINDOWS_SENT.exec(text);
  return { transmitted: sent === null ? 0 : Number(sent[1]), roundTripsMs };
}

/** The ping command line for this platform: `count` requests, 1 s to wait for each reply. */
export function pingArguments(options: PingOptions, platform = process.platform): string[] {
  const family = options.family === 6 ? ["-6"] : ["-4"];
  if (platform === "win32") {
    return [...family, "-n", String(options.count), "-w", "1000", options.address];
  }
  // -n: numeric output; -w: a deadline for the whole run, so it stops by itself.
  const deadline = String(Math.ceil(options.count * 0.2) + 2);
  return [
    ...family,
    "-n",
    "-c",
    String(options.count),
    "-i",
    "0.2",
    "-W",
    "1",
    "-w",
    deadline,
    options.address,
  ];
}

/** Pings `address` from the kernel's side and reports what came back. */
export async function runPingProbe(options: PingOptions): Promise<ProbeResult> {
  const label = `ping ${options.address}`;
  const result = await runCommand(
    "ping",
    pingArguments(options),
    (options.count + 5) * 1000,
    "install ping (Debian: iputils-ping; bash tools/setup/install-deps.sh installs it)",
  );
  const output = parsePingOutput(result.stdout);
  const answered = Math.min(output.roundTripsMs.length, options.count);
  const problem =
    output.transmitted === 0
      ? `ping sent nothing (exit ${result.status ?? "killed"}): ${result.stderr.trim()}`
      : undefined;
  return {
    label,
    sent: output.transmitted,
    answered,
    roundTripsMs: output.roundTripsMs.slice(0, answered),
    ...(problem === undefined ? {} : { problem }),
  };
}
