// The program of a port worker thread (WinTunPort's `workers` option). It builds its receiver with
// the user's factory over a transmitter of its own, then serves the packets the port hands over
// until the port closes the hand-off queue.
import { setImmediate as nextTurn } from "node:timers/promises";
import { parentPort, workerData } from "node:worker_threads";
import { PacketMemoryPool } from "@magma/memory-pool";
import type { IPacketReceiver, PacketReceiverFactory } from "@magma/transport";
import { nativeAddon } from "../native-addon.js";
import { SessionTransmitter } from "../port/session-transmitter.js";
import { WinTunTransportReceiver } from "../port/win-tun-transport-receiver.js";
import { slotTableOf } from "../session/slot-table.js";
import { type HandedOffPacket, HandedOffPackets } from "./handed-off-packets.js";
import { SharedSlotQueue } from "./shared-slot-queue.js";
import {
  describeWorkerError,
  type PortMessage,
  type PortWorkerData,
  type PortWorkerMessage,
  WORKER_COUNTER_COUNT,
  WorkerCounter,
} from "./worker-channel.js";
import { WorkerSendSink } from "./worker-send-sink.js";

/** Packets offered to the receiver per batch, as a session delivers at most maxBatch. */
const BATCH = 256;
/** How long a sleeping worker waits before it looks at the queue's closed flag again. */
const IDLE_CHECK_MS = 200;
/** How long a busy worker goes on before it lets its event loop turn. */
const YIELD_EVERY_MS = 1;
/**
 * How long an idle worker polls its queue before it sleeps: under load the port's next batch is
 * often microseconds away, and waking a sleeping thread costs more than that.
 */
const POLL_BEFORE_SLEEP_MS = 0.02;

function pollBriefly(queue: SharedSlotQueue): number {
  const until = performance.now() + POLL_BEFORE_SLEEP_MS;
  let available = 0;
  while (available === 0 && performance.now() < until) available = queue.available;
  return available;
}

const data = workerData as PortWorkerData;
const port = parentPort;

function post(message: PortWorkerMessage): void {
  port?.postMessage(message);
}

async function loadFactory(): Promise<PacketReceiverFactory<SessionTransmitter, IPacketReceiver>> {
  const module = (await import(data.receiverModule)) as { packetReceiverFactory?: unknown };
  if (typeof module.packetReceiverFactory !== "function") {
    throw new TypeError(
      `${data.receiverModule} has no function export named packetReceiverFactory`,
    );
  }
  return module.packetReceiverFactory as PacketReceiverFactory<SessionTransmitter, IPacketReceiver>;
}

async function main(): Promise<void> {
  const handOff = new SharedSlotQueue(data.handOff, data.handOffCapacity, 2);
  const returns = new SharedSlotQueue(data.returns, data.returnsCapacity, 1);
  const counters = new Float64Array(data.counters, 0, WORKER_COUNTER_COUNT);
  const handedOff = new HandedOffPackets(
    data.portSlabs,
    data.portSlotTable,
    returns,
    data.doorbell,
  );

  let sink: WorkerSendSink;
  let transmitter: SessionTransmitter;
  let handler: ((packets: readonly HandedOffPacket[], count: number) => void) | undefined;
  let pump: WinTunTransportReceiver<IPacketReceiver, HandedOffPacket>;
  try {
    const pool = new PacketMemoryPool({ ...data.sendPool, shared: true });
    const sender = new (nativeAddon().NativeSessionSender)(
      data.sendRingId,
      pool.slabs.map((slab) => new Uint8Array(slab)),
      slotTableOf(pool),
    );
    sink = new WorkerSendSink(pool, sender);
    transmitter = new SessionTransmitter(sink, { maxPacketLength: data.maxPacketLength });
    const receiver = (await loadFactory())(transmitter);
    pump = new WinTunTransportReceiver<IPacketReceiver, HandedOffPacket>(
      { setReceiveHandler: (batchHandler) => (handler = batchHandler) },
      receiver,
      transmitter,
      (error) => post({ kind: "error", error: describeWorkerError(error) }),
    );
  } catch (error) {
    post({ kind: "start-failed", error: describeWorkerError(error) });
    return;
  }
  // A pending Atomics.waitAsync does not keep a thread alive; the port's message channel does,
  // until the port says stop (or closes the queue, which the loop sees).
  port?.on("message", (message: PortMessage) => {
    if (message.kind === "stop") handOff.close();
  });
  post({ kind: "ready" });

  const publishCounters = (): void => {
    const receiverCounters = pump.counters;
    counters[WorkerCounter.consumed] = receiverCounters.consumed;
    counters[WorkerCounter.declined] = receiverCounters.declined;
    counters[WorkerCounter.receiverErrors] = receiverCounters.receiverErrors;
    counters[WorkerCounter.txPackets] = sink.sentPackets;
    counters[WorkerCounter.txBytes] = sink.sentBytes;
    counters[WorkerCounter.txRefused] = sink.refused;
    counters[WorkerCounter.txSessionEnded] = transmitter.drops.txSessionEnded;
    counters[WorkerCounter.txPoolExhausted] = transmitter.drops.txPoolExhausted;
    counters[WorkerCounter.txLargePoolExhausted] = transmitter.drops.txLargePoolExhausted;
  };

  const packets = new Array<HandedOffPacket>(BATCH);
  let turnStarted = performance.now();
  for (;;) {
    let available = handOff.available;
    if (available === 0) available = pollBriefly(handOff);
    if (available === 0) {
      publishCounters();
      if (handOff.isClosed) break;
      await handOff.waitForRecords(IDLE_CHECK_MS);
      turnStarted = performance.now();
      continue;
    }
    while (available > 0) {
      const count = Math.min(available, BATCH);
      for (let i = 0; i < count; i++) {
        packets[i] = handedOff.receive(handOff.peek(i, 0), handOff.peek(i, 1));
      }
      handOff.take(count);
      handedOff.beginBatch();
      try {
        handler?.(packets, count);
      } finally {
        handedOff.endBatch();
      }
      available -= count;
    }
    // Timers and I/O of the receiver (a TCP endpoint's retransmissions) run at least this often.
    if (performance.now() - turnStarted >= YIELD_EVERY_MS) {
      publishCounters();
      await nextTurn();
      turnStarted = performance.now();
    }
  }
  transmitter.close();
  sink.close();
  publishCounters();
  // The receiver's timers would keep the thread alive; the port has closed, so it ends here.
  process.exit(0);
}

main().catch((error: unknown) => {
  post({ kind: "error", error: describeWorkerError(error) });
  process.exit(1);
});
