/** The connection states of RFC 9293 §3.3.2 (LISTEN lives in the listener table, not here). */
export const TcpState = {
  synSent: 1,
  synReceived: 2,
  established: 3,
  finWait1: 4,
  finWait2: 5,
  closeWait: 6,
  closing: 7,
  lastAck: 8,
  timeWait: 9,
  closed: 10,
} as const;

export type TcpStateValue = (typeof TcpState)[keyof typeof TcpState];

const NAMES: Record<TcpStateValue, string> = {
  1: "SYN-SENT",
  2: "SYN-RECEIVED",
  3: "ESTABLISHED",
  4: "FIN-WAIT-1",
  5: "FIN-WAIT-2",
  6: "CLOSE-WAIT",
  7: "CLOSING",
  8: "LAST-ACK",
  9: "TIME-WAIT",
  10: "CLOSED",
};

/** The RFC's name of a state, as `getInfo().state` reports it. */
export function tcpStateName(state: TcpStateValue): string {
  return NAMES[state];
}

/** States in which our side has sent or queued its FIN (RFC 9293 §3.6). */
export function hasSentFin(state: TcpStateValue): boolean {
  return (
    state === TcpState.finWait1 ||
    state === TcpState.finWait2 ||
    state === TcpState.closing ||
    state === TcpState.lastAck ||
    state === TcpState.timeWait
  );
}

/** States after both SYNs were exchanged: RFC 9293's synchronized states. */
export function isSynchronized(state: TcpStateValue): boolean {
  return state >= TcpState.established && state <= TcpState.timeWait;
}
