// The TCP benchmark's endpoint on our own stack: @magma/tcp-receiver's TcpTransportReceiver as the
// receiver of a WinTunPort, through the wintun emulator (whose Linux interface takes the adapter's
// name, so the adapter is named --ifname). SINK, SOURCE and HTTP are the same code as
// kernel-endpoint.mjs runs on the kernel's TCP (endpoint-contract.mjs), so the two differ only in
// the TCP underneath. The harness configures the kernel's side of the interface after "ready".
//
//   node magma-endpoint.mjs --ifname N --address 198.18.0.2 --peer 198.18.0.1 --prefix-length 24
//                           --mtu 1500 [--max-seconds 600]
//
// MAGMA_BENCH_TCP_WORKERS=N runs the receiver (magma-endpoint-receiver.mjs) on N worker threads of
// the port (its `workers` option), each with its own TCP host owning the connections whose flows
// hash to it.
//
// The wintun library is the addon's default (on Linux MAGMA_WINTUN_LIBRARY, which the bench's
// launchers set to the emulator built in tools/wintun-emu/build, else @magma/wintun-linux's).
import { PacketMemoryPool } from "@magma/memory-pool";
import { WinTunPort } from "@magma/wintun-native";
import { announceReady, exitOnStopRequest, readEndpointOptions } from "./endpoint-contract.mjs";
import { packetReceiverFactory } from "./magma-endpoint-receiver.mjs";

const options = readEndpointOptions();
exitOnStopRequest(options.maxSeconds);

// Above 2,048 bytes a packet needs one of the pool's 64 KiB slots, which the default pool has 8 of
// (2 kept for receiving): at MTU 65535 every data segment takes one, received or sent, and those 8
// held one connection to about 5 Gb/s. 256 of them (16 MiB), half kept for receiving, cover a
// full window of 64 KiB segments.
const jumbo = options.mtu > 2048;
const workers = Number(process.env.MAGMA_BENCH_TCP_WORKERS ?? 0);
// Workers read received packets in place: the pool's slabs must be shared memory then.
const pool = new PacketMemoryPool({
  ...(jumbo ? { largeSlotCount: 256 } : {}),
  shared: workers > 0,
});
process.env.MAGMA_BENCH_TCP_ENDPOINT = JSON.stringify({
  address: options.address,
  mtu: options.mtu,
});

const port = await WinTunPort.create({
  adapterName: options.ifname,
  pool,
  session: jumbo ? { receiveLargeSlots: 128 } : {},
  ...(workers > 0
    ? {
        workers: {
          count: workers,
          receiverModule: new URL("./magma-endpoint-receiver.mjs", import.meta.url),
        },
      }
    : { packetReceiverFactory }),
});
port.on("error", (error) => console.error(`port: ${error?.stack ?? error}`));
port.ended.then((end) => {
  if (end.reason !== "closed") {
    console.error(`session ended: ${end.reason} ${end.error?.message ?? ""}`);
    process.exit(1);
  }
});
announceReady();
