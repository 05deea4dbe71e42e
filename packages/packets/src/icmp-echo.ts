export const ICMP_ECHO_HEADER_LENGTH = 8;

export const Icmpv4Type = { echoReply: 0, echoRequest: 8 } as const;
export const Icmpv6Type = { echoRequest: 128, echoReply: 129 } as const;

/** Why `IcmpEchoView.wrap` refused a buffer, or `"ok"`. */
export type IcmpEchoStatus = "ok" | "truncated";

/**
 * A zero-copy view of an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443 §4) message's first 8 bytes, read
 * as an echo request or reply: type, code, checksum, identifier, sequence number, then data.
 * Whether it is an echo at all is the caller's test of `type`. Re-point one view per message.
 */
export class IcmpEchoView {
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  /** Bytes from `offset` to the end of the message. */
  length = 0;
  status: IcmpEchoStatus = "truncated";

  /** Points the view at `bytes[offset .. offset + length)`; false when shorter than 8 bytes. */
  wrap(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    this.bytes = bytes;
    this.offset = offset;
    // A negative, fractional or NaN offset or length is refused as truncated; checked inline
    // because a call to a shared helper cost more than the check itself on this per-packet path.
    const available =
      Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0
        ? Math.min(length, bytes.length - offset)
        : -1;
    this.length = Math.max(available, 0);
    if (!(available >= ICMP_ECHO_HEADER_LENGTH)) {
      this.status = "truncated";
      return false;
    }
    this.status = "ok";
    return true;
  }

  #u16(at: number): number {
    return (this.bytes[this.offset + at]! << 8) | this.bytes[this.offset + at + 1]!;
  }

  get type(): number {
    return this.bytes[this.offset]!;
  }
  get code(): number {
    return this.bytes[this.offset + 1]!;
  }
  get checksum(): number {
    return this.#u16(2);
  }
  get identifier(): number {
    return this.#u16(4);
  }
  get sequenceNumber(): number {
    return this.#u16(6);
  }
  get dataOffset(): number {
    return this.offset + ICMP_ECHO_HEADER_LENGTH;
  }
  get dataLength(): number {
    return this.length - ICMP_ECHO_HEADER_LENGTH;
  }
}
