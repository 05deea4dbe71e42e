import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { chmod, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { promisify } from "node:util";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PortError } from "../port/port-error.js";
import { ControlClient } from "./control-client.js";
import {
  CONTROL_HELLO_TIMEOUT_MS,
  ControlError,
  MAX_CONTROL_CONNECTIONS,
} from "./control-protocol.js";
import { type ControlledCapture, ControlServer, type ControlTarget } from "./control-server.js";

const run = promisify(execFile);

/** A port stand-in: counters that change, and captures that write what the test tells them. */
class FakeTarget implements ControlTarget {
  readonly adapterName = "Magma Test";
  readonly backend = "wintun";
  readonly role = "port";
  rxPackets = 0;
  readonly captures: { destination: Writable; options: object; aborted: boolean }[] = [];
  refuseCapture: Error | undefined;

  stats(): object {
    return { rxPackets: this.rxPackets, drops: { rxPoolExhausted: 0 } };
  }

  capture(destination: Writable, options: object): ControlledCapture {
    if (this.refuseCapture !== undefined) throw this.refuseCapture;
    const record = { destination, options, aborted: false };
    this.captures.push(record);
    destination.write(Buffer.from("HEADER"));
    return {
      abort: () => {
        record.aborted = true;
        destination.destroy();
      },
    };
  }
}

let directory: string;
let path: string;
let target: FakeTarget;
let servers: ControlServer[];
const reported: unknown[] = [];

async function listen(at = path): Promise<ControlServer> {
  const server = await ControlServer.listen(target, at, (error) => reported.push(error));
  servers.push(server);
  return server;
}

/** A raw connection: what the port writes, line by line, and a way to send lines. */
async function rawClient(at = path) {
  const socket = connect(at);
  await once(socket, "connect");
  let received = "";
  const waiters: (() => void)[] = [];
  socket.on("data", (chunk) => {
    received += chunk.toString("utf8");
    for (const wake of waiters.splice(0)) wake();
  });
  const lines = async (count: number): Promise<unknown[]> => {
    for (let i = 0; i < 100 && received.split("\n").length - 1 < count; i++) {
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return received
      .split("\n")
      .slice(0, count)
      .map((text) => JSON.parse(text));
  };
  return {
    socket,
    lines,
    received: () => received,
    send: (text: string) => socket.write(text),
  };
}

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "magma-control-"));
  path = join(directory, "magma%20test.sock");
  target = new FakeTarget();
  servers = [];
  reported.length = 0;
});

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  await rm(directory, { recursive: true, force: true });
  expect(reported).toEqual([]);
});

describe("ControlServer and ControlClient", () => {
  it("greet each connection and answer stats with the port's counters as they are now", async () => {
    await listen();
    const client = await ControlClient.connect("ignored", { path });
    expect(client.greeting).toEqual({
      magma: "control",
      protocol: 1,
      adapterName: "Magma Test",
      backend: "wintun",
      role: "port",
      pid: process.pid,
    });
    target.rxPackets = 7;
    expect(await client.stats()).toEqual({ rxPackets: 7, drops: { rxPoolExhausted: 0 } });
    target.rxPackets = 9;
    expect((await client.stats()).rxPackets).toBe(9);
    client.close();
  });

  it("write nothing before the client's hello, and end a connection that starts otherwise", {
    timeout: CONTROL_HELLO_TIMEOUT_MS + 5000,
  }, async () => {
    await listen();
    const silent = await rawClient();
    const connected = Date.now();
    // A client that never says hello is closed after CONTROL_HELLO_TIMEOUT_MS, having read nothing.
    await once(silent.socket, "close");
    expect(Date.now() - connected).toBeGreaterThanOrEqual(CONTROL_HELLO_TIMEOUT_MS - 100);
    expect(silent.received()).toBe("");
    for (const first of ['{"op":"stats"}', '{"op":"hello","protocol":2}', "hello"]) {
      const raw = await rawClient();
      raw.send(`${first}\n`);
      const [reply] = await raw.lines(1);
      expect(reply).toMatchObject({
        ok: false,
        error: { code: "BAD_REQUEST", hint: '{"op":"hello","protocol":1}' },
      });
      await once(raw.socket, "close");
    }
  });

  it("serve stop only where the target offers it, after the reply that says so", async () => {
    await listen();
    const port = await ControlClient.connect("x", { path });
    await expect(port.stop()).rejects.toMatchObject({
      code: "REFUSED",
      remoteCode: "UNKNOWN_OPERATION",
      hint: 'the operations here are "stats", "capture"',
    });
    port.close();
    await expect(ControlClient.connect("x", { path, role: "creator" })).rejects.toMatchObject({
      code: "PROTOCOL",
    });

    const creatorPath = join(directory, "magma%20test.creator.sock");
    let stopped = 0;
    const creator = await ControlServer.listen(
      { adapterName: "Magma Test", backend: "wintun", role: "creator", stop: () => stopped++ },
      creatorPath,
      (error) => reported.push(error),
    );
    servers.push(creator);
    const client = await ControlClient.connect("x", { path: creatorPath, role: "creator" });
    expect(client.greeting.role).toBe("creator");
    await expect(client.stats()).rejects.toMatchObject({ remoteCode: "UNKNOWN_OPERATION" });
    await client.stop();
    for (let i = 0; i < 100 && stopped === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(stopped).toBe(1);
    client.close();
  });

  it("answer bad requests with an error and go on serving the connection", async () => {
    await listen();
    const raw = await rawClient();
    raw.send('{"op":"hello","protocol":1}\n');
    raw.send("not json\n");
    raw.send("[1,2]\n");
    raw.send('{"op":"reboot"}\n');
    raw.send('{"op":"stats","extra":1}\n');
    raw.send('{"op":"capture","snapLength":1,"colour":"red"}\n');
    raw.send('{"op":"stats"}\n');
    const [greeting, ...replies] = await raw.lines(7);
    expect(greeting).toMatchObject({ ok: true, magma: "control" });
    expect(replies.map((reply) => (reply as { error?: { code: string } }).error?.code)).toEqual([
      "BAD_REQUEST",
      "BAD_REQUEST",
      "UNKNOWN_OPERATION",
      "BAD_REQUEST",
      "BAD_REQUEST",
      undefined,
    ]);
    expect(replies[2]).toMatchObject({
      ok: false,
      error: { hint: expect.stringContaining("stats") },
    });
    expect(replies[5]).toMatchObject({ ok: true, stats: { rxPackets: 0 } });
    expect(target.captures).toHaveLength(0);
    raw.socket.destroy();
  });

  it("answer any line a client sends with one reply, and go on serving (property)", async () => {
    await listen();
    const anyRequest = fc.oneof(
      fc.string({ maxLength: 200 }).filter((text) => !text.includes("\n")),
      fc.json({ maxDepth: 3 }),
      fc
        .record(
          {
            op: fc.constantFrom("stats", "stop", "capture", "hello", "", "STATS"),
            snapLength: fc.anything(),
            bufferSize: fc.anything(),
            protocol: fc.anything(),
          },
          { requiredKeys: ["op"] },
        )
        .map((request) => JSON.stringify(request) ?? "null"),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(anyRequest, { minLength: 1, maxLength: 8 }), async (requests) => {
        const raw = await rawClient();
        raw.send('{"op":"hello","protocol":1}\n');
        // A capture request that is accepted turns the connection into a stream: left out here.
        const sent = requests.filter((text) => !/"op":"capture"/.test(text));
        for (const text of sent) raw.send(`${text}\n`);
        raw.send('{"op":"stats"}\n');
        const replies = (await raw.lines(sent.length + 2)) as { ok: boolean }[];
        raw.socket.destroy();
        expect(replies).toHaveLength(sent.length + 2);
        for (const reply of replies.slice(1, -1)) expect(typeof reply.ok).toBe("boolean");
        expect(replies.at(-1)).toMatchObject({ ok: true, stats: { rxPackets: 0 } });
      }),
      { numRuns: 50 },
    );
    expect(target.captures).toHaveLength(0);
  });

  it("refuse a request line longer than the limit and close that connection", async () => {
    await listen();
    const raw = await rawClient();
    raw.send('{"op":"hello","protocol":1}\n');
    raw.send("x".repeat(5000));
    const [, reply] = await raw.lines(2);
    expect(reply).toMatchObject({ ok: false, error: { code: "BAD_REQUEST" } });
    await once(raw.socket, "end");
    // The endpoint itself goes on.
    const client = await ControlClient.connect("x", { path });
    expect((await client.stats()).rxPackets).toBe(0);
    client.close();
  });

  it("stream a capture after its reply and abort it when the client goes away", async () => {
    await listen();
    const client = await ControlClient.connect("x", { path });
    const stream = await client.capture({ snapLength: 96 });
    expect(target.captures).toHaveLength(1);
    expect(target.captures[0]?.options).toEqual({ snapLength: 96 });
    target.captures[0]?.destination.write(Buffer.from("PACKETS"));
    let received = "";
    stream.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    for (let i = 0; i < 100 && received !== "HEADERPACKETS"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(received).toBe("HEADERPACKETS");
    await expect(client.stats()).rejects.toMatchObject({ code: "PROTOCOL" });
    client.close();
    for (let i = 0; i < 100 && target.captures[0]?.aborted !== true; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(target.captures[0]?.aborted).toBe(true);
  });

  it("end the capture stream for the client when the capture ends, with everything written", async () => {
    await listen();
    const client = await ControlClient.connect("x", { path });
    const stream = await client.capture();
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    const destination = target.captures[0]?.destination as Writable;
    destination.write(Buffer.alloc(256 * 1024, 1));
    destination.end();
    await once(stream, "end");
    expect(Buffer.concat(chunks).length).toBe(6 + 256 * 1024);
    client.close();
  });

  it("pass the port's refusal of a capture on with its code", async () => {
    await listen();
    target.refuseCapture = new PortError("CAPTURE_RUNNING", "a capture is already running", {
      hint: "one at a time",
    });
    const client = await ControlClient.connect("x", { path });
    const refused = await client.capture().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ControlError);
    expect(refused).toMatchObject({
      code: "REFUSED",
      remoteCode: "CAPTURE_RUNNING",
      hint: "one at a time",
      message: "the port refused: a capture is already running (one at a time)",
    });
    // Refused, the connection still serves requests.
    expect((await client.stats()).rxPackets).toBe(0);
    client.close();
  });

  it(`serve at most ${MAX_CONTROL_CONNECTIONS} connections at once`, async () => {
    await listen();
    const clients = await Promise.all(
      Array.from({ length: MAX_CONTROL_CONNECTIONS }, () => ControlClient.connect("x", { path })),
    );
    const refused = await ControlClient.connect("x", { path }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "REFUSED", remoteCode: "TOO_MANY_CONNECTIONS" });
    const raw = await rawClient();
    const [reply] = await raw.lines(1);
    expect(reply).toMatchObject({ ok: false, error: { code: "TOO_MANY_CONNECTIONS" } });
    raw.socket.destroy();
    for (const client of clients) client.close();
  });

  it("make the socket 0600 and remove it on close, leaving a socket it does not own", async () => {
    const server = await listen();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await server.close();
    await expect(stat(path)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(ControlClient.connect("x", { path })).rejects.toMatchObject({
      code: "NO_ENDPOINT",
    });

    const first = await listen();
    await rm(path);
    const second = await listen();
    await first.close();
    expect((await stat(path)).isSocket()).toBe(true);
    await second.close();
  });

  it("replace a socket left by a process that died, and refuse to take a live one", async () => {
    // A process that binds the path and is killed leaves its socket file behind.
    const child = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, "SIGKILL"))`,
    ]);
    await once(child, "exit");
    expect((await stat(path)).isSocket()).toBe(true);
    await expect(ControlClient.connect("x", { path })).rejects.toMatchObject({
      code: "NO_ENDPOINT",
    });
    await listen();
    const client = await ControlClient.connect("x", { path });
    expect(client.greeting.pid).toBe(process.pid);
    client.close();

    const taken = await ControlServer.listen(target, path, () => {}).catch(
      (error: unknown) => error,
    );
    expect(taken).toMatchObject({ code: "ENDPOINT_IN_USE" });
    // The live endpoint is untouched.
    const again = await ControlClient.connect("x", { path });
    again.close();
  });

  it("refuse a directory it cannot make, with the way out", async () => {
    const file = join(directory, "a-file");
    await writeFile(file, "");
    await expect(listen(join(file, "inside", "x.sock"))).rejects.toMatchObject({
      code: "ENDPOINT_PATH",
      hint: expect.stringContaining("MAGMA_CONTROL_DIR"),
    });
  });

  it("refuse a path that is not a socket and a directory others can write", async () => {
    await writeFile(path, "not a socket");
    await expect(listen()).rejects.toMatchObject({ code: "ENDPOINT_PATH" });
    const open = await mkdtemp(join(directory, "open-"));
    await chmod(open, 0o777);
    await expect(listen(join(open, "a.sock"))).rejects.toMatchObject({
      code: "ENDPOINT_PATH",
      hint: expect.stringContaining("MAGMA_CONTROL_DIR"),
    });
  });

  it("refuse a client that speaks something else", async () => {
    const other = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer((s) => s.end("HTTP/1.1 400\\r\\n\\r\\n")).listen(${JSON.stringify(path)}, () => console.log("up"))`,
    ]);
    try {
      await once(other.stdout, "data");
      await expect(ControlClient.connect("x", { path })).rejects.toMatchObject({
        code: "PROTOCOL",
      });
    } finally {
      other.kill();
      await once(other, "exit");
    }
  });

  it.runIf(process.getuid?.() === 0)(
    "keep out every user but the port's own (root): connecting as nobody is refused",
    async () => {
      // The directory lets everyone through, as /run/magma does: only the socket's mode decides.
      await chmod(directory, 0o755);
      await listen();
      const attempt = await run(
        process.execPath,
        [
          "-e",
          `const s = require("node:net").connect(${JSON.stringify(path)}); s.on("connect", () => { console.log("connected"); s.destroy(); }); s.on("error", (e) => console.log(e.code));`,
        ],
        { uid: 65534, gid: 65534 },
      );
      expect(attempt.stdout.trim()).toBe("EACCES");
      const root = await ControlClient.connect("x", { path });
      root.close();
    },
  );
});
