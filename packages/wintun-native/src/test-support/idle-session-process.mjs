// Run by session-handles.test.ts: opens an adapter with a session and no traffic, prints "ready",
// and then does nothing more. With "unref" the session is unref()'d first, so the process ends by
// itself; with "ref" it stays alive until it is killed. Uses the built package.
//
//   node idle-session-process.mjs ref|unref NAME
import { WinTunAdapter } from "../../dist/index.js";

const [mode, name] = process.argv.slice(2);
const adapter = await WinTunAdapter.create({ name, tunnelType: "Magma" });
const session = adapter.startSession();
if (mode === "unref") session.unref();
process.stdout.write("ready\n");
