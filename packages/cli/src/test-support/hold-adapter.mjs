// A program other than magma that holds an adapter, for the end-to-end tests:
//   node hold-adapter.mjs create NAME   creates the adapter and keeps it
//   node hold-adapter.mjs session NAME  opens it and runs a session on it
// It prints "ready" once it holds the adapter, then waits to be killed.
import { WinTunAdapter } from "@magma/wintun-native";

const [mode, name] = process.argv.slice(2);
const adapter =
  mode === "create" ? await WinTunAdapter.create({ name }) : await WinTunAdapter.open(name);
if (mode === "session") adapter.startSession();
process.stdout.write("ready\n");
setInterval(() => {}, 1 << 30);
