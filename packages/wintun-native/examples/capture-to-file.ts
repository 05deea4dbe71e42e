import type { IPacketReceiver, PacketOwner } from "@magma/transport";
import { WinTunPort } from "@magma/wintun-native";

/** Takes nothing: the port only captures what the kernel sends it. */
class Sink implements IPacketReceiver {
  tryConsume<T extends PacketOwner>(input: T): T | null {
    return input; // declined: the port disposes it
  }

  flushPendingAcks(): void {}
}

const file = process.argv[2] ?? "magma.pcapng";
const port = await WinTunPort.create<Sink>({
  adapterName: "Magma Capture",
  packetReceiverFactory: () => new Sink(),
});
// Both directions, whole packets up to 1500 bytes, nanosecond timestamps; open it in Wireshark.
const capture = port.capture(file, { snapLength: 1500 });
port.on("error", (error) => console.error(error)); // a destination that fails is reported here
await port.adapter.configure({ addresses: ["198.18.144.1/24"] });
process.once("SIGINT", async () => {
  await port.close(); // ends the capture too: the file is complete once this resolves
  console.log(capture.stats); // packets, bytes, drops
});
console.log(`capturing 198.18.144.0/24 to ${file}; Ctrl+C ends`);
