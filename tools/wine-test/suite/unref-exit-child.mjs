// Run by close-under-load.test.mjs in its own node.exe: echoes packets round the loopback, then
// unrefs the session under load and lets the process end without closing anything. Exits 0
// unless the addon's teardown of a running receive thread crashes or hangs the process.
import { setTimeout as sleep } from "node:timers/promises";
import { WinTunAdapter } from "@magma/wintun-native";

const adapter = await WinTunAdapter.create({ name: "wine-unref-1" });
const session = adapter.startSession();
let received = 0;
session.setReceiveHandler((packets, count) => {
  received += count;
  session.sendPooled(packets, count);
  for (let i = 0; i < count; i++) packets[i].dispose();
});
session.send(
  Array.from({ length: 64 }, () => Uint8Array.of(0x45, 0, 0, 40, ...new Uint8Array(36))),
);
while (received < 5_000) await sleep(5);
session.unref();
