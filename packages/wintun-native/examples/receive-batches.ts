import { WinTunAdapter, WinTunLibrary } from "@magma/wintun-native";

WinTunLibrary.load().setLogger(console); // wintun's own log, with its timestamps

// Windows: run as Administrator. Linux (libwintun.so of @magma/wintun-linux): root or CAP_NET_ADMIN.
const adapter = await WinTunAdapter.create({ name: "Magma", tunnelType: "Magma" });
console.log(`LUID 0x${adapter.luid.toString(16)}, driver`, adapter.driverVersion);

const session = adapter.startSession(); // 4 MiB rings, a new PacketMemoryPool
try {
  for await (const batch of session.batches({ signal: AbortSignal.timeout(5_000) })) {
    for (const packet of batch) {
      const bytes = packet.memory.subarray(0, packet.length); // an IP packet, in pool memory
      console.log(`IPv${(bytes[0] ?? 0) >> 4}, ${packet.length} bytes`);
      packet.dispose(); // every received packet is yours: give it back to the pool
    }
  }
} catch (error) {
  if ((error as Error).name !== "TimeoutError") throw error;
} finally {
  adapter.close(); // ends the session first, then removes the adapter we created
}
