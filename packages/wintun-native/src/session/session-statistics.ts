/** Counters of one session since it started. */
export interface WinTunSessionStatistics {
  /** Packets and bytes received from the adapter and delivered to JavaScript. */
  readonly rxPackets: number;
  readonly rxBytes: number;
  /** Crossings into JavaScript that carried them. */
  readonly rxBatches: number;
  /**
   * Of those, batches the JavaScript thread received itself while it held the ring (see
   * `inlineReceiveMicroseconds`); the rest were received by the receive thread.
   */
  readonly rxInlineBatches: number;
  /**
   * Of those, batches the JavaScript thread received after the driver's read event woke its event
   * loop directly, with no receive thread in between (Linux, where the read event is an eventfd:
   * a thread that finds a lent ring empty keeps it and waits for the event itself).
   */
  readonly rxWokenBatches: number;
  /**
   * Times the JavaScript thread holding the ring went on receiving without letting its event loop
   * turn, because the loop had nothing due (no timer, immediate or I/O): its receive budget ran
   * out (it ran its `process.nextTick` callbacks and microtasks, as a turn would, and went on), or
   * a packet came while it slept in the loop's stead after its spin (Linux, where the JavaScript
   * thread keeps a lent ring). A turn costs a poll and, in Node, an object on the heap.
   */
  readonly rxLoopTurnsSkipped: number;
  /**
   * Of `rxBatches`, with a port's `workers`: batches a worker received from the ring itself. While
   * every worker is busy, the receive thread lends them the ring, and a worker whose queue runs
   * empty receives and hands out the next batch, instead of the thread waking for it.
   */
  readonly rxWorkerBatches: number;
  /** Packets and bytes written into the send ring. */
  readonly txPackets: number;
  readonly txBytes: number;
  readonly drops: {
    /** Sends refused because the send ring had no room (wintun gives no signal when it frees). */
    readonly sendRingFull: number;
    /** Received packets dropped because the pool had no free slot of their size. */
    readonly poolExhausted: number;
    /** Sent packets of length 0 or above 65535 (above the MTU for TAP), or not from this session's pool. */
    readonly invalidPacket: number;
    /**
     * Received packets no slot may hold (empty, or above 65535 bytes): for TAP, a packet longer
     * than the read buffer, which the driver discards with ERROR_MORE_DATA.
     */
    readonly invalidReceived: number;
    /** Sends after the session ended or while the adapter was going away. */
    readonly sessionEnded: number;
    /**
     * Packets the driver had put in the receive ring that were never received because the
     * session ended underneath with them still there.
     */
    readonly leftInRing: number;
  };
  /** Times the receive thread went to sleep on the read event. */
  readonly receiveWaits: number;
}

/** Field order of native/src/session/session_statistics.h. */
export const STATISTICS_FIELD_COUNT = 17;
/** Not a public counter: every packet taken from the receive ring, however it ended. */
export const RING_PACKETS_FIELD = 13;

export function statisticsFrom(fields: Float64Array): WinTunSessionStatistics {
  const at = (index: number): number => fields[index] ?? 0;
  return {
    rxPackets: at(0),
    rxBytes: at(1),
    rxBatches: at(2),
    rxInlineBatches: at(10),
    rxWokenBatches: at(12),
    rxLoopTurnsSkipped: at(15),
    rxWorkerBatches: at(16),
    txPackets: at(3),
    txBytes: at(4),
    drops: {
      sendRingFull: at(5),
      poolExhausted: at(6),
      invalidPacket: at(7),
      invalidReceived: at(14),
      sessionEnded: at(8),
      leftInRing: at(11),
    },
    receiveWaits: at(9),
  };
}
