// Node's own http.Server, served over a WinTun adapter by Magma's user-space TCP.
// Run it as Administrator on Windows (wintun.dll), or as root on Linux (the wintun emulator), then:
//   curl http://198.18.0.2/
// Ctrl-C closes the port, which removes the adapter it created.
import * as http from "node:http";
import { TcpTransportReceiver } from "@magma/tcp-receiver";
import { WinTunPort } from "@magma/wintun-native";

const server = http.createServer((request, response) => {
  response.end(`hello ${request.socket.remoteAddress}, this is ${request.socket.localAddress}\n`);
});

const port = await WinTunPort.create({
  adapterName: process.env.MAGMA_ADAPTER ?? "Magma TAP",
  packetReceiverFactory: (transmitter) =>
    new TcpTransportReceiver({ address: "198.18.0.2", port: 80 }, transmitter, server),
});
// The host keeps 198.18.0.1 on the adapter; our TCP endpoint answers for 198.18.0.2 behind it.
await port.adapter.configure({ addresses: ["198.18.0.1/24"] });
console.log("serving http://198.18.0.2/");

process.once("SIGINT", async () => {
  port.receiver.close();
  await port.close();
  process.exit(0);
});
