import { turnEchoRequestIntoReply } from "@magma/packets";
import type { IPacketReceiver, IPacketTransmitter, PacketOwner } from "@magma/transport";
import { WinTunPort } from "@magma/wintun-native";

class PingResponder implements IPacketReceiver {
  constructor(private readonly transmitter: IPacketTransmitter) {}

  tryConsume<T extends PacketOwner>(input: T): T | null {
    // A buffer the size of the request: a small pool slot, or a large one for a jumbo ping.
    const reply = this.transmitter.tryGetNextBuffer(input.length);
    if (reply === undefined) return input; // pool exhausted: decline, the port disposes it
    // The subarray is one small object per packet; tools/bench/reflectors-node copies without one.
    reply.set(input.memory.subarray(0, input.length));
    if (turnEchoRequestIntoReply(reply, 0, input.length) !== "replied") {
      this.transmitter.discardBuffer(reply); // every lent buffer goes back, sent or not
      return input;
    }
    this.transmitter.sendBuffer(reply, input.length); // queued; leaves with the batch
    input.dispose();
    return null; // consumed
  }

  flushPendingAcks(): void {} // called once per received batch
}

const port = await WinTunPort.create<PingResponder>({
  adapterName: "Magma TAP",
  packetReceiverFactory: (transmitter) => new PingResponder(transmitter),
});
// Our address is 198.18.131.1: pings to any other address of the /24 reach the responder.
await port.adapter.configure({ addresses: ["198.18.131.1/24"], mtu: 9000 });
port.on("end", ({ reason }) => console.log(`session ended: ${reason}`));
process.once("SIGINT", async () => {
  await port.close();
  console.log(port.stats); // rxPackets, rxBytes, txPackets, txBytes, drops by cause
  console.log(`pool slots still rented: ${port.session.pool.stats.inUse}`); // 0: nothing leaked
});
console.log("answering pings to 198.18.131.0/24; Ctrl+C ends");
