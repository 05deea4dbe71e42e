// UDP reflector written against Magma's port: a receiver that copies each request into a buffer
// lent by the transmitter, swaps its addresses and ports and sends it; the port hands packets over
// in batches and sends the replies of a batch in one crossing. Follows the reflector contract of
// ../reflector/README.md.
//
//   node --expose-gc magma-port-reflector.mjs --adapter NAME [--backend wintun|tap]
//       [--address A.B.C.D/N] [--workers N] [--max-seconds N]
//
// --backend picks the port (port-backends.mjs): wintun (the default) is WinTunPort from
// @magma/wintun-native, tap is TapPort from @magma/tap-legacy on an adapter this process makes and
// removes, whose kernel side gets --address (required with tap). The receiver, the loop and the
// summary are the same for both. --workers N (default 0: none) runs the receiver on N worker
// threads of the port (its `workers` option, each importing udp-reflector-receiver.mjs);
// MAGMA_BENCH_WORK_PASSES adds per-packet work to the receiver (see there).
//
// The wintun library is the addon's default (on Linux MAGMA_WINTUN_LIBRARY, which the bench's
// launchers set to the emulator built in tools/wintun-emu/build, else @magma/wintun-linux's); the
// TAP one is @magma/tap-legacy's (MAGMA_TAP_LIBRARY, which the launchers set to
// tools/tap-windows-emu/build's). The adapter name is also the Linux interface name (both
// emulators use a valid Linux name as it is).
import { portBackends } from "./port-backends.mjs";
import {
  announceReady,
  MeasuredWindow,
  maxSecondsOption,
  onStopRequest,
  readOptions,
} from "./reflector-contract.mjs";
import { packetReceiverFactory } from "./udp-reflector-receiver.mjs";

const usage =
  "magma-port-reflector.mjs --adapter NAME [--backend wintun|tap] [--address A.B.C.D/N] " +
  "[--workers N] [--max-seconds N]";
const options = readOptions(process.argv.slice(2), { required: ["adapter"], usage });
const workers = Number(options.get("workers") ?? 0);
if (!Number.isInteger(workers) || workers < 0) {
  console.error("--workers must be a non-negative integer");
  process.exit(2);
}
const backendName = options.get("backend") ?? "wintun";
const openPort = Object.hasOwn(portBackends, backendName) ? portBackends[backendName] : undefined;
if (openPort === undefined) {
  console.error(`--backend must be one of ${Object.keys(portBackends).join(", ")}`);
  process.exit(2);
}
const address = options.get("address");
if (backendName === "tap" && address === undefined) {
  console.error("--backend tap needs --address (the kernel side's, e.g. 198.18.0.1/24)");
  process.exit(2);
}
const maxSeconds = maxSecondsOption(options);
const adapterName = options.get("adapter");

const window = new MeasuredWindow();
// MAGMA_BENCH_SPIN_US and MAGMA_BENCH_INLINE_US override the session's spin before it sleeps and
// how long JavaScript may receive from a lent ring (their defaults otherwise).
const sessionOptions = {};
if (process.env.MAGMA_BENCH_SPIN_US !== undefined)
  sessionOptions.spinMicroseconds = Number(process.env.MAGMA_BENCH_SPIN_US);
if (process.env.MAGMA_BENCH_INLINE_US !== undefined)
  sessionOptions.inlineReceiveMicroseconds = Number(process.env.MAGMA_BENCH_INLINE_US);
const { port, ifname, configured, remove } = await openPort({
  adapterName,
  address,
  portOptions: {
    session: sessionOptions,
    ...(workers === 0
      ? { packetReceiverFactory }
      : {
          workers: {
            count: workers,
            receiverModule: new URL("./udp-reflector-receiver.mjs", import.meta.url),
          },
        }),
  },
});
let portError;
port.on("error", (error) => {
  portError ??= error;
});
// Replies that reached the send ring.
const reflected = () => port.session.stats.txPackets;
window.listen(reflected);

onStopRequest(maxSeconds, async () => {
  const windowReport = window.report(reflected());
  await port.close();
  await remove();
  const stats = port.stats;
  const { drops } = stats;
  return {
    reflected: stats.txPackets,
    // With workers their receivers are out of reach; what they declined is the pump's `declined`.
    ignored: workers === 0 ? port.receiver.ignored : stats.receiver.declined,
    // A reply without a free slot is the transmitter's txPoolExhausted, on either path.
    dropped:
      drops.rxPoolExhausted +
      drops.rxWorkerQueueFull +
      drops.rxWorkerLost +
      drops.txPoolExhausted +
      drops.txRingFull +
      drops.txSessionEnded +
      drops.txInvalidPacket,
    port: {
      rxPackets: stats.rxPackets,
      rxBatches: stats.rxBatches,
      packetsPerBatch:
        stats.rxBatches > 0 ? Number((stats.rxPackets / stats.rxBatches).toFixed(2)) : 0,
      // Batches the JavaScript thread received itself from a lent ring.
      rxInlineBatches: port.session.stats.rxInlineBatches,
      // With workers: batches a worker received itself from the ring lent to the workers.
      rxWorkerBatches: port.session.stats.rxWorkerBatches,
      txPackets: stats.txPackets,
      drops,
      receiver: stats.receiver,
      ...(stats.workers === undefined ? {} : { workers: stats.workers }),
    },
    ...(windowReport === undefined ? {} : { window: windowReport }),
    ...(portError === undefined ? {} : { error: String(portError) }),
  };
});
port.ended.then((end) => {
  if (end.reason !== "closed") {
    console.error(`session ended: ${end.reason} ${end.error?.message ?? ""}`);
    process.kill(process.pid, "SIGTERM");
  }
});
announceReady(ifname, { configured });
