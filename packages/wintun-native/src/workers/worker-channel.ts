import type { PacketMemoryPoolOptions } from "@magma/memory-pool";

/**
 * What a port worker gets at its start (`workerData`): everything is shared memory or plain data,
 * so nothing is copied per packet afterwards.
 */
export interface PortWorkerData {
  /** The worker's number, from 0; flows hash to it. */
  readonly index: number;
  /** The module whose `packetReceiverFactory` export builds the worker's receiver (a URL). */
  readonly receiverModule: string;
  /** The session's shared send ring (`session.shareSendRing()`). */
  readonly sendRingId: number;
  /** The session's worker steering (`session.steerToWorkers()`), for the worker's wake-ups. */
  readonly steeringId: number;
  /** The port's pool: its slabs and (slab, offset, capacity) per slot, for the packets it hands over. */
  readonly portSlabs: readonly SharedArrayBuffer[];
  readonly portSlotTable: Int32Array;
  /** The session's receive thread → worker: (slot id, length) records. */
  readonly handOff: SharedArrayBuffer;
  readonly handOffCapacity: number;
  /** Worker → the receive thread: slot ids the worker is done with. */
  readonly returns: SharedArrayBuffer;
  readonly returnsCapacity: number;
  /** The worker's counters (WorkerCounter), written by the worker only. */
  readonly counters: SharedArrayBuffer;
  /** The worker's own send pool (made `shared`, as the native sender reads it). */
  readonly sendPool: PacketMemoryPoolOptions;
  /** The port transmitter's cap (65535 for wintun, the MTU for TAP), which the worker's shares. */
  readonly maxPacketLength: number;
}

/** An error as it crosses from a worker to the port: plain data, so it always can. */
export interface WorkerErrorDescription {
  readonly name: string;
  readonly message: string;
  readonly code?: string | number;
  readonly stack?: string;
}

/** Messages a worker posts to the port. */
export type PortWorkerMessage =
  | { readonly kind: "ready" }
  | { readonly kind: "start-failed"; readonly error: WorkerErrorDescription }
  | { readonly kind: "error"; readonly error: WorkerErrorDescription };

/** Messages the port posts to a worker. */
export type PortMessage = { readonly kind: "stop" };

export function describeWorkerError(error: unknown): WorkerErrorDescription {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === "string" || typeof code === "number" ? { code } : {}),
    ...(error.stack === undefined ? {} : { stack: error.stack }),
  };
}

/** The port's side: an Error again, with the worker's name, code and stack. */
export function workerErrorFrom(description: WorkerErrorDescription): Error {
  const error = new Error(description.message);
  error.name = description.name;
  if (description.code !== undefined) Object.assign(error, { code: description.code });
  if (description.stack !== undefined) error.stack = description.stack;
  return error;
}

/** Fields of a worker's counters (a Float64Array over `PortWorkerData.counters`). */
export const WorkerCounter = {
  /** Packets the receiver took. */
  consumed: 0,
  /** Packets it declined (disposed by the worker's pump). */
  declined: 1,
  /** Calls of the receiver that threw. */
  receiverErrors: 2,
  /** Packets the worker's transmitter got into the send ring, and their bytes. */
  txPackets: 3,
  txBytes: 4,
  /** Packets the ring refused (full, or the session ending under the batch). */
  txRefused: 5,
  /** Packets sent after the session had ended. */
  txSessionEnded: 6,
  /** `tryGetNextBuffer` found no free slot in the worker's send pool. */
  txPoolExhausted: 7,
  txLargePoolExhausted: 8,
} as const;
export const WORKER_COUNTER_COUNT = Object.keys(WorkerCounter).length;
