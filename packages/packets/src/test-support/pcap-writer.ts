/** A minimal classic pcap file (LINKTYPE_RAW: each record is a bare IPv4 or IPv6 packet). */
export function pcapOfRawPackets(packets: readonly Uint8Array[]): Uint8Array {
  const size = 24 + packets.reduce((total, packet) => total + 16 + packet.length, 0);
  const file = new Uint8Array(size);
  const view = new DataView(file.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, 65535, true);
  view.setUint32(20, 101, true);
  let at = 24;
  packets.forEach((packet, index) => {
    view.setUint32(at, index, true);
    view.setUint32(at + 8, packet.length, true);
    view.setUint32(at + 12, packet.length, true);
    file.set(packet, at + 16);
    at += 16 + packet.length;
  });
  return file;
}
