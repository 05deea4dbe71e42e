// Run two at a time by adapter-open-or-create.test.ts: at START_AT (epoch milliseconds, so both
// children call at the same moment) opens or creates adapter NAME and starts its session while
// the name is still held (openOrCreate's `prepare`, as WinTunPort.create should), prints what
// happened as one JSON line, keeps the adapter until its stdin ends (the parent counts
// interfaces meanwhile), then closes it. Uses the built package.
//
//   node open-or-create-child.mjs NAME START_AT
import { setTimeout as sleep } from "node:timers/promises";
import { WinTunAdapter, WinTunLibrary } from "../../dist/index.js";

const [name, startAt] = process.argv.slice(2);
// Everything that can be done beforehand is, so the two calls start as close together as they can.
WinTunLibrary.load();
await sleep(Math.max(0, Number(startAt) - Date.now()));
let adapter;
let session = "started";
try {
  adapter = await WinTunAdapter.openOrCreate({ name }, (opened) => {
    try {
      opened.startSession({ capacity: 0x20000 });
    } catch (error) {
      // Reported, not thrown: this process keeps its handle, as the test counts interfaces.
      session = error.code;
    }
  });
} catch (error) {
  process.stdout.write(`${JSON.stringify({ failed: error.code })}\n`);
  process.exit(0);
}
const report = { created: adapter.created, luid: String(adapter.luid), session };
process.stdout.write(`${JSON.stringify(report)}\n`);
process.stdin.resume();
process.stdin.on("end", () => adapter.close());
