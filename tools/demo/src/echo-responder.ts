import {
  Icmpv4Type,
  Icmpv6Type,
  IpPacketView,
  IpProtocol,
  parseIpv4Address,
  parseIpv6Address,
  type ReplyResult,
  turnEchoRequestIntoReply,
  turnUdpIntoReply,
  UdpView,
} from "@magma/packets";
import {
  type IPacketReceiver,
  type IPacketTransmitter,
  MagmaError,
  type PacketOwner,
} from "@magma/transport";

export interface EchoResponderOptions {
  /** The addresses answered for, IPv4 or IPv6 text, e.g. ["198.18.0.2", "fd6d:6167:6d61::2"]. */
  readonly addresses: readonly string[];
  /** The UDP port whose datagrams are echoed back (RFC 862's echo service). Default 7. */
  readonly echoPort?: number;
}

/** Why a request addressed to the responder got no answer. */
export interface EchoResponderDrops {
  /** The transmitter lent no buffer (pool exhausted or port closed). */
  noBuffer: number;
  /** The lent buffer was smaller than the request. */
  tooLarge: number;
  /** The IPv4 header or the ICMP/UDP checksum was wrong. */
  badChecksum: number;
  /** A fragment: the responder does not reassemble. */
  fragment: number;
  /** An IPv6 routing header or an IPv4 source route: the reply's path would be wrong. */
  routingHeader: number;
  /** The message was inconsistent (e.g. an ICMP message shorter than its echo header). */
  malformed: number;
}

/**
 * What the responder has seen. Every packet offered is either a request or ignored, and every
 * request is either answered or dropped for one cause:
 * `offered = requests + ignored`, `requests = answered + sum(dropped)`.
 */
export interface EchoResponderCounters {
  offered: number;
  /** ICMP echo requests and UDP datagrams to the echo port, addressed to the responder. */
  requests: number;
  icmpRequests: number;
  udpRequests: number;
  answered: number;
  dropped: EchoResponderDrops;
  /** Everything else (other addresses, protocols or ports, unparsable packets): left to the port. */
  ignored: number;
}

const DEFAULT_ECHO_PORT = 7;

type RequestKind = "icmp" | "udp";

/**
 * An `IPacketReceiver` that answers ICMPv4/ICMPv6 echo requests and UDP echo (port 7) for the
 * addresses it is given, written against Magma's contracts and `@magma/packets` only: it runs the
 * same over any port. Each reply is built in a buffer lent by the transmitter: the request is copied
 * in, turned into its reply in place, and sent. Nothing is allocated per packet.
 *
 * Requests it takes are consumed (disposed here, `tryConsume` returns null), answered or not;
 * everything else is returned for the port to dispose.
 */
export class EchoResponder<TTransmitter extends IPacketTransmitter = IPacketTransmitter>
  implements IPacketReceiver
{
  readonly transmitter: TTransmitter;
  readonly echoPort: number;
  readonly counters: EchoResponderCounters = {
    offered: 0,
    requests: 0,
    icmpRequests: 0,
    udpRequests: 0,
    answered: 0,
    dropped: {
      noBuffer: 0,
      tooLarge: 0,
      badChecksum: 0,
      fragment: 0,
      routingHeader: 0,
      malformed: 0,
    },
    ignored: 0,
  };
  readonly #ipv4Addresses: number[] = [];
  readonly #ipv6Addresses: Uint8Array[] = [];
  // One view of each kind, re-pointed at every packet.
  readonly #ip = new IpPacketView();
  readonly #udp = new UdpView();

  constructor(transmitter: TTransmitter, options: EchoResponderOptions) {
    this.transmitter = transmitter;
    this.echoPort = options.echoPort ?? DEFAULT_ECHO_PORT;
    if (!Number.isInteger(this.echoPort) || this.echoPort < 1 || this.echoPort > 0xffff) {
      throw new MagmaError("INVALID_PORT", `echo port ${options.echoPort} is not a UDP port`, {
        hint: "use a whole number from 1 to 65535",
      });
    }
    for (const text of options.addresses) {
      const ipv4 = parseIpv4Address(text);
      const ipv6 = ipv4 === null ? parseIpv6Address(text) : null;
      if (ipv4 !== null) this.#ipv4Addresses.push(ipv4);
      else if (ipv6 !== null) this.#ipv6Addresses.push(ipv6);
      else {
        throw new MagmaError("INVALID_ADDRESS", `"${text}" is not an IPv4 or IPv6 address`, {
          hint: 'give plain addresses without a prefix length, e.g. "198.18.0.2"',
        });
      }
    }
  }

  tryConsume<T extends PacketOwner>(input: T): T | null {
    const counters = this.counters;
    counters.offered++;
    const kind = this.#classify(input.memory, input.length);
    if (kind === undefined) {
      counters.ignored++;
      return input;
    }
    counters.requests++;
    if (kind === "icmp") counters.icmpRequests++;
    else counters.udpRequests++;
    this.#answer(input, kind);
    input.dispose();
    return null;
  }

  /**
   * Nothing to flush: each reply is handed to `sendBuffer` as its request is seen, and the
   * transmitter already batches sends per received batch. An echo has no acknowledgement to delay.
   */
  flushPendingAcks(): void {}

  /** Whether the packet is an echo request for us; undefined for anything the port should keep. */
  #classify(bytes: Uint8Array, length: number): RequestKind | undefined {
    const ip = this.#ip;
    if (!ip.wrap(bytes, 0, length) || !this.#isOurs(ip)) return undefined;
    const at = ip.upperLayerOffset;
    if (ip.isFragment) {
      // Later fragments carry no upper-layer header; any fragment of ICMP or UDP to us counts.
      if (ip.protocol === IpProtocol.udp) return "udp";
      return ip.protocol === (ip.version === 4 ? IpProtocol.icmp : IpProtocol.icmpv6)
        ? "icmp"
        : undefined;
    }
    if (ip.protocol === IpProtocol.udp) {
      const udp = this.#udp;
      return udp.wrap(bytes, at, ip.upperLayerLength) && udp.destinationPort === this.echoPort
        ? "udp"
        : undefined;
    }
    const echoRequest =
      ip.version === 4
        ? ip.protocol === IpProtocol.icmp && bytes[at] === Icmpv4Type.echoRequest
        : ip.protocol === IpProtocol.icmpv6 && bytes[at] === Icmpv6Type.echoRequest;
    return echoRequest && ip.upperLayerLength >= 2 && bytes[at + 1] === 0 ? "icmp" : undefined;
  }

  #isOurs(ip: IpPacketView): boolean {
    if (ip.version === 4) {
      const destination = ip.ipv4.destination;
      for (const address of this.#ipv4Addresses) if (address === destination) return true;
      return false;
    }
    const bytes = ip.bytes;
    const at = ip.ipv6.destinationOffset;
    for (const address of this.#ipv6Addresses) {
      let i = 0;
      while (i < 16 && bytes[at + i] === address[i]) i++;
      if (i === 16) return true;
    }
    return false;
  }

  /** Sends the reply to the request `#classify` just parsed into `#ip`, or counts why not. */
  #answer(input: PacketOwner, kind: RequestKind): void {
    const ip = this.#ip;
    const dropped = this.counters.dropped;
    if (ip.isFragment) {
      dropped.fragment++;
      return;
    }
    if (ip.version === 4 && !ip.ipv4.hasValidHeaderChecksum()) {
      dropped.badChecksum++;
      return;
    }
    // The IP layer's own length: bytes past it (link padding) are not part of the packet.
    const length = ip.version === 4 ? ip.ipv4.totalLength : 40 + ip.ipv6.payloadLength;
    const buffer = this.transmitter.tryGetNextBuffer();
    if (buffer === undefined) {
      dropped.noBuffer++;
      return;
    }
    if (buffer.length < length) {
      this.transmitter.discardBuffer(buffer);
      dropped.tooLarge++;
      return;
    }
    copyBytes(input.memory, buffer, length);
    const result =
      kind === "icmp"
        ? turnEchoRequestIntoReply(buffer, 0, length)
        : turnUdpIntoReply(buffer, 0, length);
    if (result !== "replied") {
      this.transmitter.discardBuffer(buffer);
      this.#countUnanswered(result);
      return;
    }
    this.transmitter.sendBuffer(buffer, length);
    this.counters.answered++;
  }

  #countUnanswered(result: Exclude<ReplyResult, "replied">): void {
    const dropped = this.counters.dropped;
    switch (result) {
      case "bad-checksum":
        dropped.badChecksum++;
        return;
      case "fragment":
        dropped.fragment++;
        return;
      case "routing-header":
        dropped.routingHeader++;
        return;
      case "malformed":
      case "not-applicable":
        dropped.malformed++;
        return;
    }
  }
}

/**
 * Copies `source[0 .. length)` to the start of `target`. A loop rather than
 * `target.set(source.subarray(0, length))`, which would allocate a view object per packet.
 */
function copyBytes(source: Uint8Array, target: Uint8Array, length: number): void {
  for (let i = 0; i < length; i++) target[i] = source[i]!;
}
