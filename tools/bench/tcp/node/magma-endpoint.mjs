// The TCP benchmark's endpoint on our own stack: @magma/tcp-receiver's TcpTransportReceiver as the
// receiver of a WinTunPort, through the wintun emulator (whose Linux interface takes the adapter's
// name, so the adapter is named --ifname). SINK, SOURCE and HTTP are the same code as
// kernel-endpoint.mjs runs on the kernel's TCP (endpoint-contract.mjs), so the two differ only in
// the TCP underneath. The harness configures the kernel's side of the interface after "ready".
//
//   node magma-endpoint.mjs --ifname N --address 198.18.0.2 --peer 198.18.0.1 --prefix-length 24
//                           --mtu 1500 [--max-seconds 600]
//
// The wintun library is the addon's default (on Linux MAGMA_WINTUN_LIBRARY, which the bench's
// launchers set to the emulator built in tools/wintun-emu/build, else @magma/wintun-linux's).
import { PacketMemoryPool } from "@magma/memory-pool";
import { TcpTransportReceiver } from "@magma/tcp-receiver";
import { WinTunPort } from "@magma/wintun-native";
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

// Above 2,048 bytes a packet needs one of the pool's 64 KiB slots, which the default pool has 8 of
// (2 kept for receiving): at MTU 65535 every data segment takes one, received or sent, and those 8
// held one connection to about 5 Gb/s. 256 of them (16 MiB), half kept for receiving, cover a
// full window of 64 KiB segments.
const jumbo = options.mtu > 2048;
const pool = new PacketMemoryPool(jumbo ? { largeSlotCount: 256 } : {});
const mebibyte = 1 << 20;
const tcpOptions = {
  // MSS follows the link (mtu - 40, less the timestamp option): the transmitter's own limit,
  // which the receiver would take otherwise, is 65535 at any MTU.
  mtu: options.mtu,
  // The window we offer and the data we keep unacknowledged: 8 MiB each (gVisor's receive buffer
  // goes up to 8 MiB too). At MTU 65535 one connection went from about 8 Gb/s with the default
  // 1 MiB to 10-12 with 4 MiB and 12-13 with 8 MiB; at 1500 the stack is CPU-bound and the size
  // made no difference. They are limits, not allocations: an idle connection holds nothing.
  receiveBufferSize: 8 * mebibyte,
  sendBufferSize: 8 * mebibyte,
};

const port = await WinTunPort.create({
  adapterName: options.ifname,
  pool,
  session: jumbo ? { receiveLargeSlots: 128 } : {},
  packetReceiverFactory: (transmitter) =>
    new TcpTransportReceiver(
      { address: options.address, port: endpointPorts.sink },
      transmitter,
      serveSink,
      tcpOptions,
    ),
});
port.on("error", (error) => console.error(`port: ${error?.stack ?? error}`));
port.ended.then((end) => {
  if (end.reason !== "closed") {
    console.error(`session ended: ${end.reason} ${end.error?.message ?? ""}`);
    process.exit(1);
  }
});
port.receiver.listen(endpointPorts.source, serveSource);
port.receiver.listen(endpointPorts.http, createEndpointHttpServer());
announceReady();
