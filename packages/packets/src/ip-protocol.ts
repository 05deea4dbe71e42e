/** IANA protocol numbers (IPv4 protocol, IPv6 next header) that this package reads or writes. */
export const IpProtocol = {
  hopByHopOptions: 0,
  icmp: 1,
  tcp: 6,
  udp: 17,
  routing: 43,
  fragment: 44,
  icmpv6: 58,
  noNextHeader: 59,
  destinationOptions: 60,
} as const;

export type IpProtocolName = keyof typeof IpProtocol;
