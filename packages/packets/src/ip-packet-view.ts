import { IpProtocol } from "./ip-protocol.js";
import { type Ipv4Status, Ipv4View } from "./ipv4.js";
import { type Ipv6Status, Ipv6View } from "./ipv6.js";
import { ipv4PseudoHeaderSum, ipv6PseudoHeaderSum } from "./pseudo-header.js";

/** Why `IpPacketView.wrap` refused a buffer (from the IPv4 or IPv6 view), or `"ok"`. */
export type IpPacketStatus = Ipv4Status | Ipv6Status;

/**
 * One view for a packet that may be IPv4 or IPv6, as layer-3 adapters deliver them: dispatches on
 * the version nibble, then exposes what upper layers need (protocol, where the upper-layer header
 * starts, the pseudo-header sum) without caring which version it is. Holds one `Ipv4View` and one
 * `Ipv6View`, created once; re-pointing allocates nothing.
 */
export class IpPacketView {
  readonly ipv4 = new Ipv4View();
  readonly ipv6 = new Ipv6View();
  /** 4 or 6 after a successful `wrap()`, else 0. */
  version: 0 | 4 | 6 = 0;
  status: IpPacketStatus = "truncated";
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  /** The upper-layer protocol (after any IPv6 extension headers). */
  protocol = 0;
  upperLayerOffset = 0;
  upperLayerLength = 0;
  /** True for a fragment (first or later): the upper-layer bytes are not a whole message. */
  isFragment = false;

  wrap(bytes: Uint8Array, offset = 0, length = bytes.length - offset): boolean {
    this.bytes = bytes;
    this.offset = offset;
    this.version = 0;
    const first = offset >= 0 && offset < bytes.length && length > 0 ? bytes[offset]! : 0;
    if (first >>> 4 === 6) {
      const ipv6 = this.ipv6;
      if (!ipv6.wrap(bytes, offset, length)) return this.#refuse(ipv6.status);
      this.version = 6;
      this.protocol = ipv6.upperLayerProtocol;
      this.upperLayerOffset = ipv6.upperLayerOffset;
      this.upperLayerLength = ipv6.upperLayerLength;
      this.isFragment = ipv6.isFragment;
    } else {
      const ipv4 = this.ipv4;
      if (!ipv4.wrap(bytes, offset, length)) return this.#refuse(ipv4.status);
      this.version = 4;
      this.protocol = ipv4.protocol;
      this.upperLayerOffset = ipv4.payloadOffset;
      this.upperLayerLength = ipv4.payloadLength;
      this.isFragment = ipv4.isFragment;
    }
    this.status = "ok";
    return true;
  }

  #refuse(status: IpPacketStatus): false {
    this.status = status;
    return false;
  }

  /**
   * The unfolded sum that starts the upper-layer checksum for `upperLayerLength` bytes: the IPv4 or
   * IPv6 pseudo-header, or 0 for ICMPv4, whose checksum covers the message alone.
   */
  checksumSeed(upperLayerLength = this.upperLayerLength): number {
    if (this.version === 6) {
      return ipv6PseudoHeaderSum(this.bytes, this.offset, this.protocol, upperLayerLength);
    }
    if (this.protocol === IpProtocol.icmp) return 0;
    return ipv4PseudoHeaderSum(this.bytes, this.offset, this.protocol, upperLayerLength);
  }

  /** Sets the IPv4 TTL (updating the header checksum) or the IPv6 hop limit. */
  setHopLimit(hopLimit: number): void {
    if (this.version === 6) this.ipv6.setHopLimit(hopLimit);
    else this.ipv4.setTtl(hopLimit);
  }

  /** Exchanges source and destination addresses; no checksum changes. */
  swapAddresses(): void {
    if (this.version === 6) this.ipv6.swapAddresses();
    else this.ipv4.swapAddresses();
  }
}
