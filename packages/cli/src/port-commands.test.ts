import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { PacketDirection, readPcapng } from "@magma/pcapng";
import { afterEach, describe, expect, it } from "vitest";
import { ExitCode } from "./exit-codes.js";
import {
  bin,
  magma,
  run,
  scratchWithControlDirectory,
  startHolding,
  stopStarted,
  testSupport,
} from "./test-support/magma-process.js";

// End to end: `magma stats` and `magma capture` against a port with a control endpoint that runs
// in another process (test-support/serve-port.mjs), in the test runner's network namespace.
// Adapters "Magma CLI Port*" on 198.18.158-159.0/24, and 198.18.155.0/24 for a port with workers.
const inTestNamespace = process.env.MAGMA_TEST_NETNS === "1";
const server = join(testSupport, "serve-port.mjs");
// Pcapng files in `directory`; the port's control socket in its "control" folder.
const { directory } = scratchWithControlDirectory("magma-cli-port-");
afterEach(stopStarted);

/** Pings the port; resolves with the replies received. */
async function ping(address: string, count: number): Promise<number> {
  const text = await new Promise<string>((resolve) =>
    execFile(
      "ping",
      ["-n", "-q", "-c", String(count), "-i", "0.05", "-W", "2", address],
      (_e, out) => resolve(String(out)),
    ),
  );
  return Number(/(\d+) received/.exec(text)?.[1] ?? Number.NaN);
}

async function servePort(name: string, subnet: number, workers?: number): Promise<void> {
  const { firstLine } = await startHolding([
    server,
    name,
    `198.18.${subnet}.1/24`,
    ...(workers === undefined ? [] : [String(workers)]),
  ]);
  expect(firstLine).toBe("ready");
}

/** Runs `magma` with `args` until it exits, with SIGINT sent once `whenRunning` resolves. */
async function interrupted(args: string[], whenRunning: () => Promise<unknown>) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const stdout: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  await whenRunning();
  child.kill("SIGINT");
  const [code] = await once(child, "exit");
  return { code: code as number, stdout: Buffer.concat(stdout), stderr };
}

describe.runIf(inTestNamespace)("magma stats and magma capture against a running port", () => {
  it("shows the port's counters, once and with --watch, human and JSON", async () => {
    const name = "Magma CLI Port1";
    await servePort(name, 158);
    expect(await ping("198.18.158.2", 4)).toBe(4);

    const single = await magma("stats", name, "--json");
    expect(single.code).toBe(ExitCode.OK);
    const report = JSON.parse(single.stdout);
    expect(report).toMatchObject({ adapterName: name, backend: "wintun" });
    expect(report.stats.rxPackets).toBeGreaterThanOrEqual(4);
    expect(report.stats.txPackets).toBeGreaterThanOrEqual(4);
    expect(report.stats.drops).toMatchObject({ rxPoolExhausted: 0, txRingFull: 0 });

    const human = await magma("stats", name);
    expect(human.code).toBe(ExitCode.OK);
    expect(human.stdout).toMatch(new RegExp(`^${name} \\(wintun, process \\d+\\)\n`));
    expect(human.stdout).toMatch(/^ {2}rxPackets\s+\d+$/m);
    expect(human.stdout).toMatch(/^ {2}drops\.txRingFull\s+0$/m);

    const watched = await magma(
      "stats",
      name,
      "--watch",
      "--interval",
      "0.2",
      "--count",
      "3",
      "--json",
    );
    expect(watched.code).toBe(ExitCode.OK);
    const samples = watched.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(samples).toHaveLength(3);
    expect(samples.map((sample) => sample.stats.rxPackets)).toEqual(
      [...samples.map((sample) => sample.stats.rxPackets)].sort((a, b) => a - b),
    );
    const [first, , last] = samples.map((sample) => Date.parse(sample.time)) as number[];
    expect((last as number) - (first as number)).toBeGreaterThanOrEqual(350);

    const rates = await magma("stats", name, "--watch", "--interval", "0.2", "--count", "2");
    expect(rates.stdout).toMatch(/^ {2}rxPackets\s+[\d,]+ {2}\d+\/s$/m);
  });

  it("shows each worker's counters for a port with workers, human and JSON", async () => {
    const name = "Magma CLI Port3";
    await servePort(name, 155, 2);
    expect(await ping("198.18.155.2", 4)).toBe(4);
    const single = await magma("stats", name, "--json");
    expect(single.code).toBe(ExitCode.OK);
    const { stats } = JSON.parse(single.stdout);
    expect(stats.workers).toHaveLength(2);
    // One flow (the pings): one worker answered all four.
    const consumed = stats.workers.map((worker: { consumed: number }) => worker.consumed);
    expect([...consumed].sort()).toEqual([0, 4]);
    expect(stats.drops).toMatchObject({ rxWorkerQueueFull: 0, rxWorkerLost: 0 });
    const human = await magma("stats", name);
    expect(human.stdout).toMatch(/^ {2}workers\.0\.handedOff\s+\d+$/m);
    expect(human.stdout).toMatch(/^ {2}workers\.1\.queueFull\s+0$/m);
    expect(human.stdout).not.toMatch(/workers\.\d\.index/);
  });

  it("captures both directions into a pcapng file that tshark and capinfos read", async () => {
    const name = "Magma CLI Port2";
    await servePort(name, 159);
    const file = join(directory, "six.pcapng");
    const capturing = magma(
      "capture",
      name,
      "-w",
      file,
      "--count",
      "6",
      "--snaplen",
      "64",
      "--json",
    );
    // The capture starts once magma has connected; the pings go on until it has six packets.
    const pinging = ping("198.18.159.2", 10);
    const captured = await capturing;
    await pinging;
    expect(captured.code).toBe(ExitCode.OK);
    expect(JSON.parse(captured.stdout)).toMatchObject({
      adapterName: name,
      file,
      packets: 6,
      stoppedBy: "count",
      drops: 0,
      fileBytes: statSync(file).size,
    });
    const capture = readPcapng(readFileSync(file));
    expect(capture.interfaces[0]).toMatchObject({ name, snapLength: 64 });
    expect(capture.packets).toHaveLength(6);
    const directions = capture.packets.map((packet) => packet.direction);
    expect(directions).toContain(PacketDirection.Inbound);
    expect(directions).toContain(PacketDirection.Outbound);
    const { stdout: tshark } = await run("tshark", [
      "-r",
      file,
      "-T",
      "fields",
      "-E",
      "separator=;",
      "-e",
      "frame.packet_flags_direction",
      "-e",
      "icmp.type",
    ]);
    const rows = tshark
      .trim()
      .split("\n")
      .map((row) => row.split(";").map(Number));
    expect(rows).toHaveLength(6);
    // Inbound packets are echo requests (type 8), outbound ones their replies (type 0).
    for (const [direction, type] of rows) {
      expect(type).toBe(direction === PacketDirection.Inbound ? 8 : 0);
    }
    const { stdout: info } = await run("capinfos", ["-c", "-M", file]);
    expect(info).toMatch(/Number of packets:\s+6/);

    const timed = await magma(
      "capture",
      name,
      "-w",
      join(directory, "timed.pcapng"),
      "--duration",
      "0.3",
    );
    expect(timed.code).toBe(ExitCode.OK);
    expect(timed.stdout).toMatch(
      /^Captured 0 packets \(\d+ bytes\) from Magma CLI Port2 to .*; the duration ended\.$/m,
    );
    expect(readPcapng(readFileSync(join(directory, "timed.pcapng"))).packets).toHaveLength(0);
  });

  it("stops a capture on Ctrl+C with a whole file, and writes to standard output with -w -", async () => {
    const name = "Magma CLI Port2";
    await servePort(name, 159);
    const file = join(directory, "interrupted.pcapng");
    // magma connects within the first pings' time; pings sent before it did are not captured.
    const toFile = await interrupted(["capture", name, "-w", file, "--json"], () =>
      ping("198.18.159.2", 10),
    );
    expect(toFile.code).toBe(ExitCode.OK);
    const summary = JSON.parse(toFile.stdout.toString("utf8"));
    expect(summary).toMatchObject({ stoppedBy: "signal", drops: 0 });
    expect(summary.packets).toBeGreaterThanOrEqual(2);
    expect(readPcapng(readFileSync(file)).packets).toHaveLength(summary.packets);

    const toStandardOutput = await interrupted(["capture", name, "-w", "-"], () =>
      ping("198.18.159.2", 10),
    );
    expect(toStandardOutput.code).toBe(ExitCode.OK);
    const piped = readPcapng(toStandardOutput.stdout);
    expect(piped.packets.length).toBeGreaterThanOrEqual(2);
    // The summary goes to standard error, out of the capture's way.
    expect(toStandardOutput.stderr).toMatch(
      new RegExp(`^Captured ${piped.packets.length} packets .* to - in .*; stopped\\.$`, "m"),
    );
  });

  it("exits with ACCESS_DENIED for a user other than the port's, with the hint", async () => {
    const name = "Magma CLI Port1";
    await servePort(name, 158);
    // The control directory lets everyone through, as /run/magma does: the socket's mode decides.
    await run("chmod", ["755", directory]);
    const drop = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    const denied = await run("setpriv", [...drop, process.execPath, bin, "stats", name, "--json"], {
      env: { ...process.env },
    }).then(
      () => ({ code: 0, stdout: "" }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(denied.code).toBe(ExitCode.ACCESS_DENIED);
    expect(JSON.parse(denied.stdout).error).toMatchObject({
      code: "ACCESS_DENIED",
      hint: "run as root (sudo)",
    });
  });

  it("exits with NO_CONTROL_ENDPOINT without a port, and USAGE for a bad count", async () => {
    const absent = await magma("stats", "Magma CLI Port Absent", "--json");
    expect(absent.code).toBe(ExitCode.NO_CONTROL_ENDPOINT);
    expect(JSON.parse(absent.stdout).error).toMatchObject({
      code: "NO_ENDPOINT",
      hint: expect.stringContaining("control: true"),
    });
    const capture = await magma("capture", "Magma CLI Port Absent", "-w", join(directory, "x"));
    expect(capture.code).toBe(ExitCode.NO_CONTROL_ENDPOINT);
    expect(capture.stderr).toContain(
      'no port with a control endpoint runs on "Magma CLI Port Absent"',
    );
    for (const bad of ["0", "-1", "1.5", "many"]) {
      const result = await magma("capture", "Magma CLI Port Absent", "-w", "x", "--count", bad);
      expect(result.code).toBe(ExitCode.USAGE);
    }
    expect((await magma("capture", "x", "-w", "x", "--snaplen", "70000")).code).toBe(
      ExitCode.USAGE,
    );
    expect((await magma("capture", "x")).code).toBe(ExitCode.USAGE);
  });
});
