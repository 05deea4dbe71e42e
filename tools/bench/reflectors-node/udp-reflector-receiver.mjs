// The receiver of magma-port-reflector.mjs, in a module of its own so that a port's workers can
// import it (`workers.receiverModule`): it answers every UDP datagram by copying it into a buffer
// lent by the transmitter and swapping its addresses and ports (udp-swap.mjs), and declines the
// rest (the port disposes those).
//
// MAGMA_BENCH_WORK_PASSES=N adds a fixed amount of CPU-bound work per packet before the reply: N
// passes of a keyed 32-bit mixing hash over the payload, computed in JavaScript, standing for a
// VPN's per-packet cryptography. The reply is unchanged by it (the load generator checks
// payloads); the hashes are summed into `workDigest` so the work cannot be optimised away.
import { swapUdpInPlace } from "./udp-swap.mjs";

const workPasses = Number(process.env.MAGMA_BENCH_WORK_PASSES ?? 0);
if (!Number.isInteger(workPasses) || workPasses < 0) {
  throw new Error("MAGMA_BENCH_WORK_PASSES must be a non-negative integer");
}

/** `passes` rounds of a multiply-xorshift hash (murmur3's mixing steps) over `bytes[from .. to)`. */
function payloadWork(bytes, from, to, passes) {
  let hash = 0x9747b28c;
  for (let pass = 0; pass < passes; pass++) {
    for (let i = from; i < to; i++) {
      hash = Math.imul(hash ^ bytes[i], 0xcc9e2d51);
      hash = (hash << 15) | (hash >>> 17);
      hash = Math.imul(hash, 0x1b873593) ^ pass;
    }
  }
  return hash >>> 0;
}

export class UdpReflector {
  ignored = 0;
  /** No free slot for the reply. */
  dropped = 0;
  workDigest = 0;
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
    // lies in the same slab as the input's (the usual case on one thread), `copyWithin` on that
    // slab's view. A worker's input lies in the port's pool and its reply in the worker's own: a
    // byte loop. Otherwise copy the whole slot, or (a large input into a small slot) a prefix view.
    const memory = input.memory;
    if (reply.buffer === memory.buffer) {
      const from = input.byteOffset;
      this.#slabViews[input.slabIndex].copyWithin(reply.byteOffset, from, from + length);
    } else if (input.capacity === undefined && length <= reply.length) {
      for (let i = 0; i < length; i++) reply[i] = memory[i];
    } else if (input.capacity <= reply.length) reply.set(memory);
    else reply.set(memory.subarray(0, length));
    if (!swapUdpInPlace(reply, length)) {
      this.#transmitter.discardBuffer(reply);
      this.ignored++;
      return input;
    }
    if (workPasses > 0) {
      this.workDigest = (this.workDigest + payloadWork(reply, 28, length, workPasses)) >>> 0;
    }
    this.#transmitter.sendBuffer(reply, length);
    input.dispose();
    return null;
  }

  flushPendingAcks() {
    // Nothing to acknowledge: every reply was queued in tryConsume, and the port flushes them.
  }
}

/** The factory a port (or each of its workers) builds the receiver with. */
export function packetReceiverFactory(transmitter) {
  return new UdpReflector(transmitter);
}
