import type { IPacketTransmitter } from "@magma/transport";
import type { TcpConnection } from "./tcp-connection.js";
import type { ResolvedTcpOptions } from "./tcp-receiver-options.js";
import type { TcpStatistics } from "./tcp-statistics.js";
import type { TimerQueue } from "./timer-queue.js";

/** What a connection needs from the receiver that owns it. */
export interface TcpHost {
  readonly transmitter: IPacketTransmitter;
  readonly timers: TimerQueue;
  readonly stats: TcpStatistics;
  readonly options: ResolvedTcpOptions;
  /** The arrival time of the batch being processed, else the current time (ms). */
  now(): number;
  /** Asks for `connection.output()` at the end of the batch, or on a microtask outside one. */
  requestOutput(connection: TcpConnection): void;
  /** A passive open reached ESTABLISHED: create its socket and hand it to the dispatcher. */
  connectionEstablished(connection: TcpConnection): void;
  /** The connection reached CLOSED: forget it. */
  connectionClosed(connection: TcpConnection): void;
  /** The connection entered or left TIME-WAIT (for the statistics and the connection cap). */
  timeWaitChanged(connection: TcpConnection, entered: boolean): void;
  /** Whether one more challenge ACK fits the rate limit (RFC 5961 §7). */
  takeChallengeAck(): boolean;
}
