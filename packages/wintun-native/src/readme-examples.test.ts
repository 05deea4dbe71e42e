import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import * as dgram from "node:dgram";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterEach, expect, it } from "vitest";
import { STATISTICS_FIELD_COUNT, statisticsFrom } from "./session/session-statistics.js";
import { describeNetwork, linkExists, run, waitFor } from "./test-support/network-test.js";

// The README's examples are the files in examples/, shown verbatim. Each is type-checked, then
// run as written (its types erased, nothing else changed) against kernel traffic. The receive
// example names its adapter "Magma"; the port example "Magma TAP" on 198.18.131.0/24; the capture
// example "Magma Capture" on 198.18.144.0/24; the workers example "Magma Workers" on
// 198.18.132.0/24.
const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const readme = readFileSync(join(packageDir, "README.md"), "utf8");
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

function exampleSource(name: string): string {
  return readFileSync(join(packageDir, "examples", name), "utf8");
}

/** Erases the example's types into build/examples/, inside the package, so its imports resolve as a user's would. */
function runnable(name: string): string {
  const out = join(packageDir, "build", "examples", name.replace(/\.ts$/, ".mjs"));
  mkdirSync(dirname(out), { recursive: true });
  const { outputText } = ts.transpileModule(exampleSource(name), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(out, outputText);
  return out;
}

interface Running {
  readonly child: ChildProcess;
  output(): string;
  readonly exited: Promise<number | null>;
}

// As a user runs them: without the test run's MAGMA_WINTUN_LIBRARY, so on the default library
// (@magma/wintun-linux's).
const { MAGMA_WINTUN_LIBRARY: _testLibrary, ...userEnvironment } = process.env;

function start(name: string, args: readonly string[] = []): Running {
  return startFile(runnable(name), args);
}

function startFile(file: string, args: readonly string[] = []): Running {
  const child = spawn(process.execPath, [file, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: userEnvironment,
  });
  children.push(child);
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** How many of `count` pings of `size` payload bytes to `address` were answered. */
function pingReplies(address: string, size: number, count: number): number {
  let text: string;
  try {
    text = run("ping", [
      "-n",
      "-q",
      "-c",
      String(count),
      "-i",
      "0.2",
      "-W",
      "2",
      "-s",
      String(size),
      address,
    ]);
  } catch (error) {
    text = String((error as { stdout?: unknown }).stdout ?? "");
  }
  return Number(/(\d+) received/.exec(text)?.[1] ?? Number.NaN);
}

it("names every session counter as the code does", () => {
  const names = (value: object): string[] =>
    Object.entries(value).flatMap(([key, field]) =>
      typeof field === "object" && field !== null ? [key, ...names(field)] : [key],
    );
  const counters = names(statisticsFrom(new Float64Array(STATISTICS_FIELD_COUNT)));
  expect(counters).toContain("leftInRing");
  expect(counters.filter((key) => !readme.includes(`\`${key}\``))).toEqual([]);
});

it("shows every example verbatim, and each one type-checks", () => {
  for (const name of [
    "receive-batches.ts",
    "ping-responder.ts",
    "capture-to-file.ts",
    "worker-port.ts",
    "hmac-receiver.ts",
  ]) {
    expect(readme).toContain(`\`\`\`ts\n${exampleSource(name)}\`\`\``);
  }
  execFileSync(process.execPath, [
    join(packageDir, "node_modules", "typescript", "bin", "tsc"),
    "-p",
    join(packageDir, "tsconfig.examples.json"),
  ]);
});

// @magma/wintun-linux's README shows its example in JavaScript; it runs from this package, where a
// user's `import "@magma/wintun-native"` resolves.
const linuxPackageDir = join(packageDir, "..", "wintun-linux");
const linuxExample = readFileSync(join(linuxPackageDir, "examples", "ping-listener.mjs"), "utf8");

it("@magma/wintun-linux's README shows its example verbatim", () => {
  const linuxReadme = readFileSync(join(linuxPackageDir, "README.md"), "utf8");
  expect(linuxReadme).toContain(`\`\`\`js\n${linuxExample}\`\`\``);
});

describeNetwork("@magma/wintun-linux's README example", () => {
  it("runs on the package's library with no configuration and prints the pings", async () => {
    const file = join(packageDir, "build", "examples", "wintun-linux-ping-listener.mjs");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, linuxExample);
    const example = startFile(file);
    expect(await waitFor(() => /is up: ping/.test(example.output()), 10_000)).toBe(true);
    pingReplies("198.18.0.2", 56, 3); // nobody answers: the example only prints
    expect(await example.exited).toBe(0);
    const libraryLine = /^libwintun\.so: (.*)$/m.exec(example.output());
    expect(libraryLine?.[1]).toBe(
      join(linuxPackageDir, "prebuilds", `linux-${process.arch}`, "libwintun.so"),
    );
    expect(example.output().match(/^IPv4, 84 bytes$/gm)?.length).toBeGreaterThanOrEqual(3);
    expect(linkExists("magma0")).toBe(false);
  }, 20_000);
});

describeNetwork("the README's examples, run as written", () => {
  it("receive-batches.ts prints the packets the kernel sends, then removes its adapter", async () => {
    const example = start("receive-batches.ts");
    expect(await waitFor(() => /LUID 0x/.test(example.output()), 10_000)).toBe(true);
    run("sysctl", ["-qw", "net.ipv6.conf.Magma.disable_ipv6=1"]);
    run("ip", ["addr", "add", "198.18.130.1/24", "dev", "Magma"]);
    pingReplies("198.18.130.2", 56, 3); // nobody answers: the example only prints
    expect(await example.exited).toBe(0);
    expect(example.output().match(/^IPv4, 84 bytes$/gm)?.length).toBeGreaterThanOrEqual(3);
    expect(linkExists("Magma")).toBe(false);
  }, 20_000);

  it("ping-responder.ts answers pings of every size, and returns every slot when it ends", async () => {
    const example = start("ping-responder.ts");
    expect(await waitFor(() => /answering pings/.test(example.output()), 10_000)).toBe(true);
    // A small ping fits a small slot; 3000 and 8000 bytes need large ones, which a responder
    // that asked for an ordinary buffer once leaked, exhausting the pool for good.
    expect(pingReplies("198.18.131.2", 56, 3)).toBe(3);
    expect(pingReplies("198.18.131.9", 3000, 3)).toBe(3);
    expect(pingReplies("198.18.131.77", 8000, 3)).toBe(3);
    expect(pingReplies("198.18.131.2", 56, 20)).toBe(20);
    example.child.kill("SIGINT");
    expect(await example.exited).toBe(0);
    expect(example.output()).toContain("session ended: closed");
    expect(example.output()).toContain("pool slots still rented: 0");
    expect(example.output()).toMatch(/txPackets: 29\b/);
    // Every counter the example printed (port.stats, as users see it) is named in the README.
    const output = example.output();
    const printed = output.slice(output.indexOf("{"), output.indexOf("\n}") + 2);
    const keys = [...printed.matchAll(/(\w+): /g)].map((match) => match[1] as string);
    expect(keys).toEqual(expect.arrayContaining(["rxLeftInRing", "receiverErrors"]));
    expect(keys.filter((key) => !readme.includes(`\`${key}\``))).toEqual([]);
  }, 30_000);

  it("worker-port.ts signs the datagrams of many flows on its workers and returns every slot", async () => {
    // Its receiver module, where the example's URL finds it: beside it, as a .js file.
    writeFileSync(
      join(packageDir, "build", "examples", "hmac-receiver.js"),
      readFileSync(runnable("hmac-receiver.ts")),
    );
    const example = start("worker-port.ts");
    expect(await waitFor(() => /signing UDP/.test(example.output()), 10_000)).toBe(true);
    const replies: Buffer[] = [];
    const sockets: dgram.Socket[] = [];
    try {
      for (let flow = 0; flow < 8; flow++) {
        const socket = dgram.createSocket("udp4");
        sockets.push(socket);
        socket.bind(0, "198.18.132.1");
        await once(socket, "listening");
        socket.on("message", (message) => replies.push(message));
        for (let i = 0; i < 5; i++) socket.send(Buffer.alloc(48, flow * 16 + i), 7, "198.18.132.2");
      }
      expect(await waitFor(() => replies.length === 40, 10_000)).toBe(true);
    } finally {
      for (const socket of sockets) socket.close();
    }
    // Each reply carries the HMAC of the payload that was sent.
    for (const reply of replies) {
      const sent = Buffer.alloc(48, reply[47] as number);
      const mac = createHmac("sha256", "example key").update(sent).digest();
      expect(reply.subarray(0, 32).equals(mac)).toBe(true);
    }
    example.child.kill("SIGINT");
    expect(await example.exited).toBe(0);
    const answered = [...example.output().matchAll(/worker \d: (\d+) answered, 0 dropped/g)];
    expect(answered).toHaveLength(2);
    expect(answered.reduce((sum, match) => sum + Number(match[1]), 0)).toBe(40);
    expect(example.output()).toContain("pool slots still rented: 0");
    expect(linkExists("Magma Workers")).toBe(false);
  }, 30_000);

  it("capture-to-file.ts writes the pings it sees to a pcapng file that tshark reads", async () => {
    const directory = mkdtempSync(join(tmpdir(), "magma-capture-example-"));
    try {
      const file = join(directory, "example.pcapng");
      const example = start("capture-to-file.ts", [file]);
      expect(await waitFor(() => /capturing/.test(example.output()), 10_000)).toBe(true);
      expect(pingReplies("198.18.144.2", 56, 3)).toBe(0); // nobody answers: the example only captures
      example.child.kill("SIGINT");
      expect(await example.exited).toBe(0);
      const pings = run("tshark", [
        "-r",
        file,
        "-Y",
        "icmp.type == 8 && frame.packet_flags_direction == 1",
        "-T",
        "fields",
        "-e",
        "frame.len",
      ]);
      expect(pings.trim().split("\n")).toEqual(["84", "84", "84"]);
      expect(example.output()).toMatch(/packets: \d+/);
      expect(example.output()).toContain("drops: 0");
      expect(linkExists("Magma Capture")).toBe(false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 30_000);
});
