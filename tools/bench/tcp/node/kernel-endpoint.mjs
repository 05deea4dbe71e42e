// The TCP benchmark's endpoint on the kernel's own TCP in Node.js: net.Server for SINK and SOURCE,
// http.Server for HTTP (the baseline of the HTTP test). The harness runs it across a veth pair it
// has already configured, so it only listens on its address.
//
//   node kernel-endpoint.mjs --ifname N --address 198.18.0.2 --peer 198.18.0.1 --prefix-length 24
//                            --mtu 1500 [--max-seconds 600]
import { once } from "node:events";
import { createServer } from "node:net";
import {
  announceReady,
  createEndpointHttpServer,
  endpointPorts,
  exitOnStopRequest,
  readEndpointOptions,
  serveSink,
  serveSource,
} from "./endpoint-contract.mjs";

const options = readEndpointOptions();
exitOnStopRequest(options.maxSeconds);
const servers = [
  [createServer(serveSink), endpointPorts.sink],
  [createServer(serveSource), endpointPorts.source],
  [createEndpointHttpServer(), endpointPorts.http],
];
await Promise.all(
  servers.map(([server, port]) => once(server.listen(port, options.address), "listening")),
);
announceReady();
