/** What `netstat -s` shows for a kernel's TCP, for one receiver. Counters only grow. */
export interface TcpStatistics {
  /** Connections not yet CLOSED (TIME-WAIT included). */
  activeConnections: number;
  /** Of those, connections in TIME-WAIT. */
  timeWaitConnections: number;
  /** Active opens (connect) that started. */
  activeOpens: number;
  /** Passive opens: SYN-RECEIVED connections created from a SYN. */
  passiveOpens: number;
  /** Passive opens that reached ESTABLISHED and were handed to a dispatcher. */
  accepted: number;
  /** Connections refused with RST: closed port, connection cap or full backlog. */
  refused: number;
  /** SYNs dropped because the SYN backlog was full and cookies were off. */
  synBacklogDrops: number;
  /** SYN-ACKs sent with a SYN cookie, and handshakes completed from one. */
  synCookiesSent: number;
  synCookiesAccepted: number;
  /** Connections ended by a RST from the peer. */
  resetsReceived: number;
  /** RSTs sent (closed ports, aborts, bad ACKs in handshakes). */
  resetsSent: number;
  /** Connections that gave up after their retransmissions or keepalive probes. */
  timedOut: number;
  segmentsReceived: number;
  segmentsSent: number;
  /** Retransmissions because the retransmission timer expired. */
  timeoutRetransmissions: number;
  /** Retransmissions by fast retransmit and loss recovery (dup ACKs, SACK). */
  fastRetransmissions: number;
  /** Retransmission timeouts that the timestamps showed to be spurious, and undid (RFC 3522, RFC 4015). */
  spuriousTimeouts: number;
  /** Retransmissions found lost (data sent after them was SACKed first) and sent again. */
  lostRetransmissions: number;
  /** Loss probes sent: tail loss probes (RFC 8985 §7), and resends when recovery stalls. */
  tailLossProbes: number;
  /** Loss-recovery episodes entered. */
  recoveries: number;
  duplicateAcksReceived: number;
  /** Segments dropped for a bad checksum. */
  badChecksumDrops: number;
  /** Segments dropped because they were not acceptable (RFC 9293 §3.10.7.4 first check). */
  outOfWindowDrops: number;
  /** Segments dropped by PAWS (RFC 7323 §5). */
  pawsDrops: number;
  /** Segments dropped for malformed headers or options. */
  malformedDrops: number;
  /** Challenge ACKs sent (RFC 5961) and those the rate limit held back. */
  challengeAcksSent: number;
  challengeAcksSuppressed: number;
  /** Out-of-order segments kept for reassembly. */
  outOfOrderSegments: number;
  /**
   * Bytes of segment text beyond the peer's FIN, dropped: held out of order when the FIN came, or
   * arriving after it (a FIN ends the peer's stream).
   */
  bytesAfterFinDropped: number;
  /** Zero-window probes and keepalive probes sent. */
  windowProbesSent: number;
  keepaliveProbesSent: number;
  /** Segments that could not be sent because the transmitter had no buffer (retried later). */
  transmitterBufferShortages: number;
  /** ICMP errors about our segments that were consumed, and path-MTU reductions among them. */
  icmpErrorsReceived: number;
  pathMtuReductions: number;
}

export function createTcpStatistics(): TcpStatistics {
  return {
    activeConnections: 0,
    timeWaitConnections: 0,
    activeOpens: 0,
    passiveOpens: 0,
    accepted: 0,
    refused: 0,
    synBacklogDrops: 0,
    synCookiesSent: 0,
    synCookiesAccepted: 0,
    resetsReceived: 0,
    resetsSent: 0,
    timedOut: 0,
    segmentsReceived: 0,
    segmentsSent: 0,
    timeoutRetransmissions: 0,
    fastRetransmissions: 0,
    tailLossProbes: 0,
    lostRetransmissions: 0,
    spuriousTimeouts: 0,
    recoveries: 0,
    duplicateAcksReceived: 0,
    badChecksumDrops: 0,
    outOfWindowDrops: 0,
    pawsDrops: 0,
    malformedDrops: 0,
    challengeAcksSent: 0,
    challengeAcksSuppressed: 0,
    outOfOrderSegments: 0,
    bytesAfterFinDropped: 0,
    windowProbesSent: 0,
    keepaliveProbesSent: 0,
    transmitterBufferShortages: 0,
    icmpErrorsReceived: 0,
    pathMtuReductions: 0,
  };
}
