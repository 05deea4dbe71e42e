import { TcpFlags, TcpOptions } from "@magma/packets";

/**
 * One received segment as the connection sees it: header fields copied out, options decoded, and
 * the payload left in packet memory (`payload[payloadOffset .. + payloadLength)`) until the
 * connection copies what it keeps. The receiver refills one instance for every segment.
 */
export class IncomingSegment {
  seq = 0;
  ack = 0;
  flags = 0;
  /** The raw 16-bit window field (not yet scaled). */
  window = 0;
  readonly options = new TcpOptions();
  payload: Uint8Array = new Uint8Array(0);
  payloadOffset = 0;
  payloadLength = 0;

  get syn(): boolean {
    return (this.flags & TcpFlags.syn) !== 0;
  }
  get fin(): boolean {
    return (this.flags & TcpFlags.fin) !== 0;
  }
  get rst(): boolean {
    return (this.flags & TcpFlags.rst) !== 0;
  }
  get hasAck(): boolean {
    return (this.flags & TcpFlags.ack) !== 0;
  }
  /** SEG.LEN of RFC 9293: payload plus one for each of SYN and FIN. */
  get length(): number {
    return this.payloadLength + (this.syn ? 1 : 0) + (this.fin ? 1 : 0);
  }
}
