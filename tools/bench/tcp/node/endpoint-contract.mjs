// The TCP benchmark's endpoint contract (../README.md) for endpoints written in Node.js: the options
// every endpoint is given, the "ready" line, stopping on SIGTERM, and the three services written
// against any net.Socket-like Duplex, so that an endpoint on another TCP stack serves exactly what
// the kernel-TCP one (kernel-endpoint.mjs) serves.
import { createServer } from "node:http";

export const endpointPorts = { sink: 5001, source: 5002, http: 8080 };

/** --ifname, --address, --peer, --prefix-length, --mtu, --max-seconds. Exits 2 when one is wrong. */
export function readEndpointOptions(argv = process.argv.slice(2)) {
  const usage =
    "usage: --ifname NAME --address IPV4 --peer IPV4 --prefix-length N --mtu N [--max-seconds N]";
  const values = new Map();
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) fail(usage);
    values.set(argv[i].slice(2), argv[i + 1]);
  }
  const integer = (name, min, max, fallback) => {
    const value = Number(values.get(name) ?? fallback);
    if (!Number.isInteger(value) || value < min || value > max) fail(`${usage}\n--${name}`);
    return value;
  };
  const options = {
    ifname: values.get("ifname"),
    address: values.get("address"),
    peer: values.get("peer"),
    prefixLength: integer("prefix-length", 1, 30),
    mtu: integer("mtu", 576, 65535),
    maxSeconds: integer("max-seconds", 1, 86_400, 600),
  };
  if (options.ifname === undefined || options.address === undefined || options.peer === undefined)
    fail(usage);
  return options;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

/** Contract: one line "ready" once every port listens. */
export function announceReady() {
  process.stdout.write("ready\n");
}

/** Contract: exit 0 on SIGTERM or SIGINT, or after maxSeconds (a forgotten endpoint stops). */
export function exitOnStopRequest(maxSeconds) {
  const exit = () => process.exit(0);
  process.on("SIGTERM", exit);
  process.on("SIGINT", exit);
  setTimeout(exit, maxSeconds * 1000).unref();
}

/** SINK: read and discard everything until the peer closes. */
export function serveSink(socket) {
  socket.on("data", () => {});
  socket.on("end", () => socket.end());
  socket.on("error", () => socket.destroy());
}

// The bulk pattern of ../kernel/bulk_pattern.h: the byte at stream offset o is o mod 251, written
// in whole chunks of 251 KiB so the stream never leaves the pattern.
const patternPeriod = 251;
const sourceChunk = Buffer.alloc(patternPeriod * 1024);
for (let i = 0; i < sourceChunk.length; i++) sourceChunk[i] = i % patternPeriod;

/** SOURCE: write continuously, as fast as the socket drains, until the peer closes or resets. */
export function serveSource(socket) {
  const fill = () => {
    while (!socket.destroyed && socket.write(sourceChunk)) {
      // Keep writing while the socket takes more without buffering.
    }
  };
  socket.on("drain", fill);
  socket.on("end", () => socket.destroy());
  socket.on("error", () => socket.destroy());
  fill();
}

const httpBody = Buffer.from("hello world\n");

/** HTTP: every request gets 200 with a 12-byte body; keep-alive (Node's default). */
export function createEndpointHttpServer() {
  return createServer((_request, response) => {
    response.writeHead(200, { "Content-Type": "text/plain", "Content-Length": httpBody.length });
    response.end(httpBody);
  });
}
