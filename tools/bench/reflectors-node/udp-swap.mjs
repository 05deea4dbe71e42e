// The reflectors' one piece of packet work, the same as ../reflector/udp_swap.c: a whole IPv4 UDP
// datagram gets its addresses and its ports swapped in place. The checksums stay valid (ones'
// complement sums do not depend on the order of their terms), so nothing else changes. No
// allocation: plain byte moves.

const ipv4MinHeader = 20;
const udpHeader = 8;
const ipProtocolUdp = 17;
const fragmentOffsetAndMoreFragments = 0x3fff;

/** Whether `packet[0 .. length)` is a whole IPv4 UDP datagram whose ports can be swapped. */
export function isReflectableUdp(packet, length) {
  if (length < ipv4MinHeader || packet[0] >> 4 !== 4) return false;
  const header = (packet[0] & 0x0f) * 4;
  if (header < ipv4MinHeader || header + udpHeader > length || packet[9] !== ipProtocolUdp) {
    return false;
  }
  // Only a whole datagram carries both ports where we expect them.
  return (((packet[6] << 8) | packet[7]) & fragmentOffsetAndMoreFragments) === 0;
}

function swapBytes(packet, a, b, count) {
  for (let i = 0; i < count; i++) {
    const saved = packet[a + i];
    packet[a + i] = packet[b + i];
    packet[b + i] = saved;
  }
}

/** Swaps source and destination address and port; false (and nothing changed) if not reflectable. */
export function swapUdpInPlace(packet, length) {
  if (!isReflectableUdp(packet, length)) return false;
  const header = (packet[0] & 0x0f) * 4;
  swapBytes(packet, 12, 16, 4);
  swapBytes(packet, header, header + 2, 2);
  return true;
}
