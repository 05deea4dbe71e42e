// A program that runs a port with a control endpoint, for the end-to-end tests of `magma stats`
// and `magma capture`:
//   node serve-port.mjs NAME ADDRESS/PREFIX
// It answers pings on the adapter, prints "ready" once configured, and runs until SIGTERM, when
// it closes the port (which removes the control socket) and exits.
import { execFileSync } from "node:child_process";
import { turnEchoRequestIntoReply } from "@magma/packets";
import { WinTunPort } from "@magma/wintun-native";

/** Answers pings in place, in a buffer of the port's transmitter. */
class PingAnswerer {
  constructor(transmitter) {
    this.transmitter = transmitter;
  }

  tryConsume(input) {
    const reply = this.transmitter.tryGetNextBuffer(input.length);
    if (reply === undefined) return input;
    reply.set(input.memory.subarray(0, input.length));
    if (turnEchoRequestIntoReply(reply, 0, input.length) !== "replied") {
      this.transmitter.discardBuffer(reply);
      return input;
    }
    this.transmitter.sendBuffer(reply, input.length);
    input.dispose();
    return null;
  }

  flushPendingAcks() {}
}

const [name, address] = process.argv.slice(2);
const port = await WinTunPort.create({
  adapterName: name,
  control: true,
  packetReceiverFactory: (transmitter) => new PingAnswerer(transmitter),
});
port.on("error", (error) => console.error(error));
// Only the test's pings cross the adapter: no IPv6 router solicitations or MLD reports.
execFileSync("sysctl", ["-qw", `net.ipv6.conf.${port.adapter.interfaceName}.disable_ipv6=1`]);
await port.adapter.configure({ addresses: [address] });
process.stdout.write("ready\n");
process.once("SIGTERM", async () => {
  await port.close();
  process.exit(0);
});
