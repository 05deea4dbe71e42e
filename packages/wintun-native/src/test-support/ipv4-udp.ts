/** Minimal IPv4/UDP writing and reading for the tests (the kernel is the peer that judges them). */

export function ipv4Checksum(bytes: Uint8Array, offset: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i += 2)
    sum += ((bytes[offset + i] ?? 0) << 8) | (bytes[offset + i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface UdpDatagram {
  readonly source: string;
  readonly destination: string;
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly payload: Uint8Array;
}

function addressBytes(address: string): number[] {
  return address.split(".").map(Number);
}

/** Writes an IPv4/UDP packet (UDP checksum 0: none, allowed over IPv4) into `target`; returns its length. */
export function writeUdp(
  target: Uint8Array,
  source: string,
  destination: string,
  sourcePort: number,
  destinationPort: number,
  payloadLength: number,
  fill: (payload: Uint8Array) => void,
): number {
  const total = 28 + payloadLength;
  const view = new DataView(target.buffer, target.byteOffset, total);
  target[0] = 0x45;
  target[1] = 0;
  view.setUint16(2, total);
  view.setUint32(4, 0x00004000); // id 0, don't fragment
  target[8] = 64;
  target[9] = 17;
  view.setUint16(10, 0);
  target.set(addressBytes(source), 12);
  target.set(addressBytes(destination), 16);
  view.setUint16(10, ipv4Checksum(target, 0, 20));
  view.setUint16(20, sourcePort);
  view.setUint16(22, destinationPort);
  view.setUint16(24, 8 + payloadLength);
  view.setUint16(26, 0);
  fill(target.subarray(28, total));
  return total;
}

/** Reads an IPv4/UDP packet whose IP header checksum is valid; undefined for anything else. */
export function readUdp(packet: Uint8Array): UdpDatagram | undefined {
  if (packet.length < 28 || packet[0] !== 0x45 || packet[9] !== 17) return undefined;
  if (ipv4Checksum(packet, 0, 20) !== 0) return undefined;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.length);
  const total = view.getUint16(2);
  if (total !== packet.length) return undefined;
  return {
    source: packet.subarray(12, 16).join("."),
    destination: packet.subarray(16, 20).join("."),
    sourcePort: view.getUint16(20),
    destinationPort: view.getUint16(22),
    payload: packet.subarray(28, total),
  };
}
