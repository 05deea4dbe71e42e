// A kernel-side HTTP/1.1 client for the scale tests. It runs as its own process because the
// kernel's TCP is the client here: its sockets are ordinary net.Sockets on the namespace's
// adapter, talking to the user-space receiver in the test process. Every request is
// `GET /<n>` and the server must answer the body `ok /<n>`. It takes one JSON argument:
//
//   node kernel-http-client.mjs '{"mode":"requests","host":"198.18.86.2","port":80,
//                                 "count":1000,"parallel":1000,"deadlineMs":30000}'
//
// mode "requests": `count` connections, at most `parallel` at a time, each sending one request
//   with `Connection: close` and reading the answer to the end; then one JSON line with the
//   outcome ({ ok, failed, errors: { <code>: n }, ms }) and exit (status 0 when all were answered).
// mode "hold": `count` keep-alive connections, at most `parallel` opening at a time, each sending
//   one request and reading its answer, then staying open and idle. Prints
//   {"event":"ready", ok, failed, errors, ms} once every connection answered or failed, then
//   waits for a line "close" on stdin (or stdin's end), closes every socket with FIN, waits for
//   them to close and prints {"event":"closed", ms}.
//
// `deadlineMs` bounds the whole run: when it passes, the outcome so far is printed with
// "timedOut": true and the process exits with status 1. `connectTimeoutMs` [10000] bounds each
// connection's silence before it counts as failed ("timeout").
import * as net from "node:net";

const options = JSON.parse(process.argv[2] ?? "{}");
const { mode, host, port, count } = options;
const parallel = options.parallel ?? count;
const deadlineMs = options.deadlineMs ?? 60_000;
const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
if (
  (mode !== "requests" && mode !== "hold") ||
  typeof host !== "string" ||
  !(port > 0) ||
  !(count > 0) ||
  !(parallel > 0)
) {
  console.error(
    'usage: kernel-http-client.mjs \'{"mode":"requests|hold","host","port","count","parallel"}\'',
  );
  process.exit(2);
}

const started = performance.now();
const elapsed = () => Math.round(performance.now() - started);
let ok = 0;
let failed = 0;
const errors = {};
const open = new Set();

function fail(reason) {
  failed++;
  errors[reason] = (errors[reason] ?? 0) + 1;
}

function report(extra) {
  process.stdout.write(`${JSON.stringify({ ok, failed, errors, ms: elapsed(), ...extra })}\n`);
}

const deadline = setTimeout(() => {
  report({ event: "deadline", timedOut: true, open: open.size });
  for (const socket of open) socket.destroy();
  process.exit(1);
}, deadlineMs);

/** Opens connection `n`; `done(answered)` runs once, when it was answered (hold) or ended. */
function connection(n, keepAlive, done) {
  const expected = `\r\n\r\nok /${n}`;
  const socket = net.connect({ host, port });
  open.add(socket);
  let text = "";
  let settled = false;
  const settle = (reason) => {
    if (settled) return;
    settled = true;
    if (reason === undefined) ok++;
    else fail(reason);
    done(reason === undefined);
  };
  socket.setEncoding("latin1");
  socket.setTimeout(connectTimeoutMs, () => {
    settle("timeout");
    socket.destroy();
  });
  socket.on("connect", () => {
    socket.write(
      `GET /${n} HTTP/1.1\r\nHost: ${host}\r\nConnection: ${keepAlive ? "keep-alive" : "close"}\r\n\r\n`,
    );
  });
  socket.on("data", (chunk) => {
    text += chunk;
    if (keepAlive && text.endsWith(expected)) {
      socket.setTimeout(0);
      if (!text.startsWith("HTTP/1.1 200 OK\r\n")) settle("bad-answer");
      else settle();
    }
  });
  socket.on("end", () => {
    if (keepAlive && !settled) settle("closed-early");
    else if (!keepAlive) {
      if (text.startsWith("HTTP/1.1 200 OK\r\n") && text.endsWith(expected)) settle();
      else settle("bad-answer");
    }
  });
  socket.on("error", (error) => settle(error.code ?? "error"));
  socket.on("close", () => {
    open.delete(socket);
    settle("closed-early");
  });
  return socket;
}

/** Runs `count` connections with at most `parallel` unsettled at a time; resolves when all settled. */
function runAll(keepAlive) {
  return new Promise((resolve) => {
    let next = 0;
    let settled = 0;
    const startOne = () => {
      const n = next++;
      connection(n, keepAlive, () => {
        settled++;
        if (settled === count) resolve();
        else if (next < count) startOne();
      });
    };
    for (let i = 0; i < Math.min(parallel, count); i++) startOne();
  });
}

if (mode === "requests") {
  await runAll(false);
  // Every socket ended or failed; wait for the last ones to close before reporting.
  while (open.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  clearTimeout(deadline);
  report({ event: "done" });
  process.exit(failed === 0 ? 0 : 1);
} else {
  await runAll(true);
  report({ event: "ready", open: open.size });
  await new Promise((resolve) => {
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", (line) => {
      if (line.includes("close")) resolve();
    });
    process.stdin.on("end", resolve);
  });
  const closing = performance.now();
  for (const socket of open) socket.end();
  while (open.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  clearTimeout(deadline);
  report({ event: "closed", closeMs: Math.round(performance.now() - closing) });
  process.exit(0);
}
