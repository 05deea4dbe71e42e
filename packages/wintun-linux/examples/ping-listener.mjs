import { WinTunAdapter, WinTunLibrary } from "@magma/wintun-native";

// No configuration: on Linux, @magma/wintun-native loads this package's libwintun.so by itself.
console.log(`libwintun.so: ${WinTunLibrary.load().path}`);

// Root or CAP_NET_ADMIN, best in a network namespace of your own (sudo unshare --net ...).
const adapter = await WinTunAdapter.create({ name: "magma0" });
await adapter.configure({ addresses: ["198.18.0.1/24"] });
// The adapter's link comes up with its session (as wintun's does): packets sent before are lost.
const session = adapter.startSession();
console.log(`${adapter.interfaceName} is up: ping 198.18.0.2 and the echo requests arrive here`);

try {
  for await (const batch of session.batches({ signal: AbortSignal.timeout(5_000) })) {
    for (const packet of batch) {
      const bytes = packet.memory.subarray(0, packet.length); // an IP packet, in pool memory
      console.log(`IPv${bytes[0] >> 4}, ${packet.length} bytes`);
      packet.dispose(); // give the slot back to the pool
    }
  }
} catch (error) {
  if (error.name !== "TimeoutError") throw error;
} finally {
  adapter.close(); // ends the session, then deletes the interface
}
