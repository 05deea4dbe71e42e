import { PacketMemoryPool } from "@magma/memory-pool";
import {
  booleanOption,
  checkOptionNames,
  functionOption,
  type IPacketReceiver,
  OptionError,
  type PacketReceiverFactory,
} from "@magma/transport";
import {
  type ResolvedSessionOptions,
  resolveSessionOptions,
  SESSION_OPTION_NAMES,
} from "../session/session-options.js";
import type { WinTunSessionOptions } from "../session/wintun-session.js";
import {
  type PortWorkersOptions,
  type ResolvedPortWorkersOptions,
  resolvePortWorkersOptions,
} from "../workers/port-workers.js";
import type { SessionTransmitter } from "./session-transmitter.js";

/** The options of a port's `create` that every backend takes (wintun's, TAP's). */
export interface SessionPortOptions<
  TTransmitter extends SessionTransmitter,
  TReceiver extends IPacketReceiver,
> {
  /** Packet memory shared by receive and send. Default: a new PacketMemoryPool(). */
  readonly pool?: PacketMemoryPool;
  /**
   * Receive tuning passed to the session (`maxBatch`, `batchesInFlight`, `receiveSlots`,
   * `receiveLargeSlots`, `spinMicroseconds`); see `WinTunSessionOptions`.
   */
  readonly session?: Omit<WinTunSessionOptions, "capacity" | "pool">;
  /** Builds the receiver from the port's transmitter, so it can answer what it receives. */
  readonly packetReceiverFactory: PacketReceiverFactory<TTransmitter, TReceiver>;
  /**
   * Opens a control endpoint (`controlPath`) that serves this port's statistics and captures to
   * `magma stats` and `magma capture` in other processes: a Unix socket of mode 0600 in
   * `MAGMA_CONTROL_DIR` (default /run/magma) on Linux, a named pipe on Windows. Default false.
   */
  readonly control?: boolean;
}

/**
 * The same with the receivers on worker threads: `workers.receiverModule` exports the
 * `packetReceiverFactory` each worker calls with a transmitter of its own. Every packet of a flow
 * goes to one worker, in order. The pool (default: a new one) must be made with `shared: true`.
 */
export interface SessionWorkerPortOptions
  extends Omit<SessionPortOptions<SessionTransmitter, IPacketReceiver>, "packetReceiverFactory"> {
  readonly workers: PortWorkersOptions;
  readonly packetReceiverFactory?: undefined;
}

/** What the shared options come to: the session's options, and the workers' when there are any. */
export interface ResolvedSessionPortOptions {
  readonly sessionOptions: ResolvedSessionOptions;
  readonly workerOptions: ResolvedPortWorkersOptions | undefined;
}

/** The names of `SessionPortOptions` and `SessionWorkerPortOptions`, for a backend's list. */
export const SESSION_PORT_OPTION_NAMES: readonly (
  | keyof SessionPortOptions<SessionTransmitter, IPacketReceiver>
  | keyof SessionWorkerPortOptions
)[] = ["pool", "session", "packetReceiverFactory", "control", "workers"];

// Ring capacity and pool are top-level options of a port, not of its `session`.
const PORT_SESSION_OPTION_NAMES = SESSION_OPTION_NAMES.filter(
  (name) => name !== "capacity" && name !== "pool",
);

/**
 * Checks the options every backend's `create` shares, before its adapter is opened, so a bad one
 * leaves nothing behind: `optionNames` is every name the backend takes (its own and
 * `SESSION_PORT_OPTION_NAMES`), in the order an unknown option's error lists them; the backend
 * then checks its own. `capacity` is the backend's ring capacity, if it has one. Throws
 * `OptionError` naming the option (`session.maxBatch` for one inside `session`).
 */
export function resolveSessionPortOptions<
  TTransmitter extends SessionTransmitter,
  TReceiver extends IPacketReceiver,
>(
  where: string,
  options: SessionPortOptions<TTransmitter, TReceiver> | SessionWorkerPortOptions,
  optionNames: readonly string[],
  capacity?: number,
): ResolvedSessionPortOptions {
  checkOptionNames(where, options, optionNames);
  if (options === undefined) {
    throw new OptionError("INVALID_OPTION", where, "options", options, "an object");
  }
  const workerOptions =
    "workers" in options && options.workers !== undefined
      ? resolvePortWorkersOptions(options.workers)
      : undefined;
  if (workerOptions === undefined) {
    functionOption(where, "packetReceiverFactory", options.packetReceiverFactory, true);
  } else if (options.packetReceiverFactory !== undefined) {
    throw new OptionError(
      "INVALID_OPTION",
      where,
      "packetReceiverFactory",
      options.packetReceiverFactory,
      "nothing with workers",
      "each worker takes the factory from workers.receiverModule",
    );
  }
  booleanOption(where, "control", options.control, false);
  checkOptionNames(where, options.session, PORT_SESSION_OPTION_NAMES, "session");
  // Workers read received packets where they are: the pool's slabs must be shared memory.
  const pool =
    options.pool ??
    (workerOptions === undefined ? undefined : new PacketMemoryPool({ shared: true }));
  if (workerOptions !== undefined && pool !== undefined && !pool.shared) {
    throw new OptionError(
      "INVALID_OPTION",
      where,
      "pool",
      pool,
      "a pool made with shared: true",
      "workers read received packets in place, on SharedArrayBuffer slabs",
    );
  }
  const sessionOptions = resolveSessionOptions(
    where,
    {
      // With workers the receive thread does not spin before it sleeps, unless asked: the CPU it
      // would spin on is the workers', who hand it nothing to wait for (measured in the scaling
      // benchmark: 2 workers / 1 rose from 1.33 to 1.41-1.49 with 100 work passes).
      ...options.session,
      ...(workerOptions !== undefined && options.session?.spinMicroseconds === undefined
        ? { spinMicroseconds: 0 }
        : {}),
      ...(capacity === undefined ? {} : { capacity }),
      ...(pool === undefined ? {} : { pool }),
    },
    (name) => (name === "capacity" || name === "pool" ? name : `session.${name}`),
  );
  return { sessionOptions, workerOptions };
}
