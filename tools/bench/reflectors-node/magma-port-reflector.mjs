// UDP reflector written against Magma's port: WinTunPort from @magma/wintun-native with a receiver
// that copies each request into a buffer lent by the transmitter, swaps its addresses and ports
// and sends it; the port hands packets over in batches and sends the replies of a batch in one
// crossing. Follows the reflector contract of ../reflector/README.md.
//
//   node --expose-gc magma-port-reflector.mjs --adapter NAME [--max-seconds N]
//
// The wintun library is the addon's default (on Linux MAGMA_WINTUN_LIBRARY, which the bench's
// launchers set to the emulator built in tools/wintun-emu/build, else @magma/wintun-linux's). The adapter name is also the Linux interface name (the emulator uses
// a valid Linux name as it is).
import { WinTunPort } from "@magma/wintun-native";
import {
  announceReady,
  MeasuredWindow,
  maxSecondsOption,
  onStopRequest,
  readOptions,
} from "./reflector-contract.mjs";
import { swapUdpInPlace } from "./udp-swap.mjs";

/** The receiver: answers every UDP datagram, declines the rest (the port disposes those). */
class UdpReflector {
  ignored = 0;
  /** No free slot for the reply. */
  dropped = 0;
  #transmitter;
  /** One view over each whole slab of the pool, made once: copies within a slab need no new view. */
  #slabViews;

  constructor(transmitter) {
    this.#transmitter = transmitter;
    this.#slabViews = transmitter.pool.slabs.map((slab) => new Uint8Array(slab));
  }

  tryConsume(input) {
    const length = input.length;
    const reply = this.#transmitter.tryGetNextBuffer();
    if (reply === undefined) {
      this.dropped++;
      return input;
    }
    // Copy only the packet's `length` bytes without a new view per packet: when the reply's slot
    // lies in the same slab as the input's (the usual case), `copyWithin` on that slab's view.
    // Otherwise copy the whole slot, or (a large input into a small slot) a prefix view.
    const memory = input.memory;
    if (reply.buffer === memory.buffer) {
      const from = input.byteOffset;
      this.#slabViews[input.slabIndex].copyWithin(reply.byteOffset, from, from + length);
    } else if (input.capacity <= reply.length) reply.set(memory);
    else reply.set(memory.subarray(0, length));
    if (!swapUdpInPlace(reply, length)) {
      this.#transmitter.discardBuffer(reply);
      this.ignored++;
      return input;
    }
    this.#transmitter.sendBuffer(reply, length);
    input.dispose();
    return null;
  }

  flushPendingAcks() {
    // Nothing to acknowledge: every reply was queued in tryConsume, and the port flushes them.
  }
}

const options = readOptions(process.argv.slice(2), {
  required: ["adapter"],
  usage: "magma-port-reflector.mjs --adapter NAME [--max-seconds N]",
});
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
const port = await WinTunPort.create({
  adapterName,
  session: sessionOptions,
  packetReceiverFactory: (transmitter) => new UdpReflector(transmitter),
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
  const stats = port.stats;
  const { drops } = stats;
  return {
    reflected: stats.txPackets,
    ignored: port.receiver.ignored,
    dropped:
      port.receiver.dropped +
      drops.rxPoolExhausted +
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
      txPackets: stats.txPackets,
      drops,
      receiver: stats.receiver,
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
announceReady(adapterName);
