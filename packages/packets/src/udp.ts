export const UDP_HEADER_LENGTH = 8;

/** Why `UdpView.wrap` refused a buffer, or `"ok"`. */
export type UdpStatus = "ok" | "truncated" | "bad-length";

/**
 * A zero-copy view of a UDP header (RFC 768). Re-point one view at each datagram with `wrap()`;
 * parsing allocates nothing.
 */
export class UdpView {
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  status: UdpStatus = "truncated";

  /**
   * Points the view at the datagram in `bytes[offset .. offset + length)`; false when it is
   * shorter than 8 bytes or its length field is below 8 or beyond the buffer. Bytes after the
   * length field's end (padding) are not part of the datagram.
   */
  wrap(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    this.bytes = bytes;
    this.offset = offset;
    // A negative, fractional or NaN offset or length is refused as truncated; checked inline
    // because a call to a shared helper cost more than the check itself on this per-packet path.
    const available =
      Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0
        ? Math.min(length, bytes.length - offset)
        : -1;
    if (!(available >= UDP_HEADER_LENGTH)) return this.#refuse("truncated");
    const datagramLength = (bytes[offset + 4]! << 8) | bytes[offset + 5]!;
    if (datagramLength < UDP_HEADER_LENGTH || datagramLength > available) {
      return this.#refuse("bad-length");
    }
    this.status = "ok";
    return true;
  }

  #refuse(status: UdpStatus): false {
    this.status = status;
    return false;
  }

  #u16(at: number): number {
    return (this.bytes[this.offset + at]! << 8) | this.bytes[this.offset + at + 1]!;
  }

  get sourcePort(): number {
    return this.#u16(0);
  }
  get destinationPort(): number {
    return this.#u16(2);
  }
  /** Header plus payload, from the length field. */
  get length(): number {
    return this.#u16(4);
  }
  /** 0 means "no checksum" over IPv4 (RFC 768); over IPv6 it is invalid (RFC 8200 §8.1). */
  get checksum(): number {
    return this.#u16(6);
  }
  get payloadOffset(): number {
    return this.offset + UDP_HEADER_LENGTH;
  }
  get payloadLength(): number {
    return this.length - UDP_HEADER_LENGTH;
  }

  /** Exchanges the ports; the checksum does not change (one's-complement addition commutes). */
  swapPorts(): void {
    const bytes = this.bytes;
    const at = this.offset;
    const high = bytes[at]!;
    const low = bytes[at + 1]!;
    bytes[at] = bytes[at + 2]!;
    bytes[at + 1] = bytes[at + 3]!;
    bytes[at + 2] = high;
    bytes[at + 3] = low;
  }
}
