/** What `socket.getInfo()` reports: the fields of Linux's `TCP_INFO` that users read most. */
export interface TcpConnectionInfo {
  /** RFC 9293's state name: "ESTABLISHED", "FIN-WAIT-1", ... */
  readonly state: string;
  /** Smoothed RTT, its variation, the current RTO and the lowest RTT seen, in ms. */
  readonly rttMs: number;
  readonly rttVarMs: number;
  readonly rtoMs: number;
  readonly minRttMs: number;
  readonly congestionControl: "newreno" | "cubic";
  /** Congestion window and slow-start threshold, in bytes. */
  readonly cwnd: number;
  readonly ssthresh: number;
  /** Payload bytes per full segment each way. */
  readonly sendMss: number;
  readonly receiveMss: number;
  /** The peer's window and ours as last advertised, in bytes (scaled). */
  readonly sendWindow: number;
  readonly receiveWindow: number;
  readonly sendWindowScale: number;
  readonly receiveWindowScale: number;
  readonly bytesInFlight: number;
  readonly bytesUnsent: number;
  readonly bytesSacked: number;
  /** Out-of-order bytes held for reassembly. */
  readonly bytesReassembling: number;
  /** Segments retransmitted over the connection's life. */
  readonly retransmits: number;
  readonly inRecovery: boolean;
  readonly timestamps: boolean;
  readonly sack: boolean;
}
