// A port worker's receiver module (WinTunPort's `workers` option) for the TCP-in-workers test: each
// worker runs its own TcpTransportReceiver and http.Server for the same endpoint, and owns the
// connections whose flows hash to it. The reply names the worker and the client's port.
import * as http from "node:http";
import { workerData } from "node:worker_threads";
import { TcpTransportReceiver } from "@magma/tcp-receiver";

const address = process.env.MAGMA_TEST_WORKER_TCP_ADDRESS;
if (address === undefined) throw new Error("MAGMA_TEST_WORKER_TCP_ADDRESS is not set");

const server = http.createServer((request, response) => {
  response.end(`worker ${workerData.index} served ${request.socket.remotePort}\n`);
});

export function packetReceiverFactory(transmitter) {
  return new TcpTransportReceiver({ address, port: 80 }, transmitter, server, {
    timeWaitMs: 200,
  });
}
