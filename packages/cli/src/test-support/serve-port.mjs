// A program that runs a port with a control endpoint, for the end-to-end tests of `magma stats`
// and `magma capture`:
//   node serve-port.mjs NAME ADDRESS/PREFIX [WORKERS]
// It answers pings on the adapter (on WORKERS worker threads of the port when given), prints
// "ready" once configured, and runs until SIGTERM, when it closes the port (which removes the
// control socket) and exits.
import { execFileSync } from "node:child_process";
import { WinTunPort } from "@magma/wintun-native";
import { packetReceiverFactory } from "./ping-answerer.mjs";

const [name, address, workers] = process.argv.slice(2);
const port = await WinTunPort.create({
  adapterName: name,
  control: true,
  ...(workers === undefined
    ? { packetReceiverFactory }
    : {
        workers: {
          count: Number(workers),
          receiverModule: new URL("./ping-answerer.mjs", import.meta.url),
        },
      }),
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
