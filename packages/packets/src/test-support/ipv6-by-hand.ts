import type { Ipv6ExtensionHeader } from "../ipv6.js";

function testAddress(host: number): Uint8Array {
  const address = new Uint8Array(16);
  address.set([0xfd, 0x6d, 0x61, 0x67, 0x6d, 0x61]);
  address[15] = host;
  return address;
}

/** fd6d:6167:6d61::1 and fd6d:6167:6d61::2 */
export const handSource = testAddress(1);
export const handDestination = testAddress(2);

/** The bytes one extension header takes: 8 for a fragment header, else data + 2 rounded up to 8. */
export function handHeaderLength(header: Ipv6ExtensionHeader): number {
  return header.type === 44 ? 8 : Math.ceil((header.data.length + 2) / 8) * 8;
}

/**
 * An IPv6 packet encoded byte by byte from RFC 8200 §3, §4.3-4.6, with no check at all: the chain,
 * protocol and payload exactly as given, valid or not, so tests can hand the parser what the
 * builder refuses to write. Traffic class and flow label 0, hop limit 64, the addresses above.
 */
export function ipv6ByHand(
  chain: readonly Ipv6ExtensionHeader[],
  protocol: number,
  payload: Uint8Array,
): Uint8Array {
  const headersLength = chain.reduce((sum, header) => sum + handHeaderLength(header), 0);
  const bytes = new Uint8Array(40 + headersLength + payload.length);
  const payloadLength = headersLength + payload.length;
  bytes[0] = 0x60;
  bytes[4] = payloadLength >> 8;
  bytes[5] = payloadLength & 0xff;
  bytes[6] = chain[0]?.type ?? protocol;
  bytes[7] = 64;
  bytes.set(handSource, 8);
  bytes.set(handDestination, 24);
  let at = 40;
  chain.forEach((header, index) => {
    bytes[at] = chain[index + 1]?.type ?? protocol;
    const length = handHeaderLength(header);
    if (header.type === 44) {
      const word = header.fragmentOffset * 8 + (header.moreFragments ? 1 : 0);
      bytes[at + 2] = word >> 8;
      bytes[at + 3] = word & 0xff;
      new DataView(bytes.buffer).setUint32(at + 4, header.identification);
    } else {
      if (length / 8 - 1 > 255) throw new Error("Hdr Ext Len holds at most 255");
      bytes[at + 1] = length / 8 - 1;
      bytes.set(header.data, at + 2);
    }
    at += length;
  });
  bytes.set(payload, at);
  return bytes;
}
