// The receiver of magma-endpoint.mjs, in a module of its own so that each worker of a port with
// `workers` can import it: a TcpTransportReceiver serving SINK, SOURCE and HTTP
// (endpoint-contract.mjs) at the endpoint's address. Its address and MTU come from
// MAGMA_BENCH_TCP_ENDPOINT (JSON { address, mtu }), which magma-endpoint.mjs sets before it creates
// the port, so workers inherit it.
import { TcpTransportReceiver } from "@magma/tcp-receiver";
import {
  createEndpointHttpServer,
  endpointPorts,
  serveSink,
  serveSource,
} from "./endpoint-contract.mjs";

const mebibyte = 1 << 20;

export function packetReceiverFactory(transmitter) {
  const { address, mtu } = JSON.parse(process.env.MAGMA_BENCH_TCP_ENDPOINT ?? "{}");
  if (typeof address !== "string" || typeof mtu !== "number") {
    throw new Error("MAGMA_BENCH_TCP_ENDPOINT must hold { address, mtu }");
  }
  const receiver = new TcpTransportReceiver(
    { address, port: endpointPorts.sink },
    transmitter,
    serveSink,
    {
      // MSS follows the link (mtu - 40, less the timestamp option): the transmitter's own limit,
      // which the receiver would take otherwise, is 65535 at any MTU.
      mtu,
      // The window we offer and the data we keep unacknowledged: 8 MiB each (gVisor's receive buffer
      // goes up to 8 MiB too). At MTU 65535 one connection went from about 8 Gb/s with the default
      // 1 MiB to 10-12 with 4 MiB and 12-13 with 8 MiB; at 1500 the stack is CPU-bound and the size
      // made no difference. They are limits, not allocations: an idle connection holds nothing.
      receiveBufferSize: 8 * mebibyte,
      sendBufferSize: 8 * mebibyte,
    },
  );
  receiver.listen(endpointPorts.source, serveSource);
  receiver.listen(endpointPorts.http, createEndpointHttpServer());
  return receiver;
}
