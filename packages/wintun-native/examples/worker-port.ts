import { WinTunPort } from "@magma/wintun-native";

// Two worker threads, each with its own HmacSigner; every packet of a flow goes to one of them.
const port = await WinTunPort.create({
  adapterName: "Magma Workers",
  workers: { count: 2, receiverModule: new URL("./hmac-receiver.js", import.meta.url) },
});
await port.adapter.configure({ addresses: ["198.18.132.1/24"] });
port.on("error", (error) => console.error(error)); // a receiver that threw, a worker that died
process.once("SIGINT", async () => {
  await port.close();
  for (const worker of port.stats.workers ?? []) {
    console.log(`worker ${worker.index}: ${worker.consumed} answered, ${worker.queueFull} dropped`);
  }
  console.log(`pool slots still rented: ${port.session.pool.stats.inUse}`);
});
console.log("signing UDP datagrams to 198.18.132.0/24 on 2 workers; Ctrl+C ends");
