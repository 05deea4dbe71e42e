#include "tun_mode.h"

#include <cstring>

namespace tap_emu {

namespace {

constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint16_t kEtherTypeIpv6 = 0x86DD;
constexpr size_t kArpPacket = 28;  // RFC 826 for Ethernet/IPv4
constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kNeighborSolicitation = 135;  // RFC 4861 4.3
constexpr uint8_t kNeighborAdvertisement = 136;  // RFC 4861 4.4
// fe80::8, the next hop OpenVPN routes the IPv6 subnet through (B.4).
constexpr uint8_t kFe80Eight[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8};

uint16_t read16(const uint8_t *at) { return static_cast<uint16_t>(at[0] << 8 | at[1]); }

void write16(uint8_t *at, uint16_t value) {
  at[0] = static_cast<uint8_t>(value >> 8);
  at[1] = static_cast<uint8_t>(value);
}

void ethernetHeader(uint8_t *frame, const uint8_t *destination, const uint8_t *source,
                    uint16_t type) {
  std::memcpy(frame, destination, 6);
  std::memcpy(frame + 6, source, 6);
  write16(frame + 12, type);
}

bool inNetwork(const TunConfig &config, const uint8_t *address) {
  for (int i = 0; i < 4; ++i) {
    if ((address[i] & config.netmask[i]) != config.network[i]) return false;
  }
  return true;
}

// tap-windows6 ProcessARP: a broadcast request from the adapter itself (Ethernet and ARP source
// its MAC) whose sender is `local`, for another address of the configured network.
bool answerArp(const TunConfig &config, const uint8_t *adapterMac, const uint8_t *remoteMac,
               const uint8_t *frame, size_t length, uint8_t *reply, size_t *replyLength) {
  static const uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  if (length != kEthernetHeader + kArpPacket) return false;  // exactly an ARP_PACKET
  const uint8_t *arp = frame + kEthernetHeader;
  const uint8_t *senderMac = arp + 8;
  bool request = std::memcmp(frame, kBroadcast, 6) == 0 &&
                 std::memcmp(frame + 6, adapterMac, 6) == 0 &&
                 std::memcmp(senderMac, adapterMac, 6) == 0 && read16(arp) == 1 &&
                 read16(arp + 2) == kEtherTypeIpv4 && arp[4] == 6 && arp[5] == 4 &&
                 read16(arp + 6) == 1;
  const uint8_t *senderIp = arp + 14;
  const uint8_t *targetIp = arp + 24;
  if (!request || std::memcmp(senderIp, config.local, 4) != 0 || !inNetwork(config, targetIp) ||
      std::memcmp(targetIp, config.local, 4) == 0) {
    return false;
  }
  ethernetHeader(reply, adapterMac, remoteMac, kEtherTypeArp);
  uint8_t *answer = reply + kEthernetHeader;
  std::memcpy(answer, arp, 6);  // hardware/protocol types and lengths as asked
  write16(answer + 6, 2);       // reply
  std::memcpy(answer + 8, remoteMac, 6);
  std::memcpy(answer + 14, targetIp, 4);
  std::memcpy(answer + 18, senderMac, 6);
  std::memcpy(answer + 24, senderIp, 4);
  *replyLength = kEthernetHeader + kArpPacket;
  return true;
}

uint16_t icmpv6Checksum(const uint8_t *source, const uint8_t *destination, const uint8_t *body,
                        size_t length) {
  uint32_t sum = 0;
  for (int i = 0; i < 16; i += 2) sum += read16(source + i) + read16(destination + i);
  sum += static_cast<uint32_t>(length) + kIcmpv6;
  for (size_t i = 0; i + 1 < length; i += 2) sum += read16(body + i);
  if (length % 2 != 0) sum += static_cast<uint32_t>(body[length - 1]) << 8;
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// tap-windows6 HandleIPv6NeighborDiscovery: a Neighbor Solicitation (RFC 4861 4.3, no extension
// headers) sent to fe80::8 or its solicited-node group ff02::1:ff00:8 with target fe80::8,
// answered with a Neighbor Advertisement carrying the remote MAC as target link-layer address.
bool answerNeighborSolicitation(const uint8_t *adapterMac, const uint8_t *remoteMac,
                                const uint8_t *frame, size_t length, uint8_t *reply,
                                size_t *replyLength) {
  static const uint8_t kSolicitedNode[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0,
                                             0,    0,    0, 1, 0xff, 0, 0, 8};
  if (length < kEthernetHeader + 40 + 24) return false;
  const uint8_t *ip = frame + kEthernetHeader;
  const uint8_t *icmp = ip + 40;
  bool toUs = std::memcmp(ip + 24, kSolicitedNode, 16) == 0 || std::memcmp(ip + 24, kFe80Eight, 16) == 0;
  if ((ip[0] >> 4) != 6 || !toUs || ip[6] != kIcmpv6 || icmp[0] != kNeighborSolicitation ||
      icmp[1] != 0 || std::memcmp(icmp + 8, kFe80Eight, 16) != 0) {
    return false;
  }
  ethernetHeader(reply, adapterMac, remoteMac, kEtherTypeIpv6);
  uint8_t *out = reply + kEthernetHeader;
  std::memset(out, 0, 40 + 32);
  std::memcpy(out, ip, 4);  // version, traffic class and flow label as the solicitation had them
  write16(out + 4, 32);
  out[6] = kIcmpv6;
  out[7] = 255;  // RFC 4861 7.1.2: hop limit 255
  std::memcpy(out + 8, kFe80Eight, 16);
  std::memcpy(out + 24, ip + 8, 16);  // back to the solicitation's source
  uint8_t *advert = out + 40;
  advert[0] = kNeighborAdvertisement;
  advert[4] = 0x60;  // Solicited and Override; not Router, as the driver sends it
  std::memcpy(advert + 8, kFe80Eight, 16);
  advert[24] = 2;  // target link-layer address option, 8 bytes
  advert[25] = 1;
  std::memcpy(advert + 26, remoteMac, 6);
  write16(advert + 2, icmpv6Checksum(out + 8, out + 24, advert, 32));
  *replyLength = kEthernetHeader + 40 + 32;
  return true;
}

}  // namespace

void remoteMacOf(const uint8_t adapterMac[6], uint8_t remoteMac[6]) {
  std::memcpy(remoteMac, adapterMac, 6);
  remoteMac[2] = static_cast<uint8_t>(remoteMac[2] + 1);
}

StackFrameVerdict classifyStackFrame(const TunConfig &config, const uint8_t adapterMac[6],
                                     const uint8_t remoteMac[6], const uint8_t *frame, size_t length,
                                     uint8_t reply[kMaxReplyFrame], size_t *replyLength) {
  if (length < kEthernetHeader) return StackFrameVerdict::Drop;
  switch (read16(frame + 12)) {
    case kEtherTypeArp:
      return answerArp(config, adapterMac, remoteMac, frame, length, reply, replyLength)
                 ? StackFrameVerdict::AnsweredArp
                 : StackFrameVerdict::Drop;
    case kEtherTypeIpv4:
      // Only directed frames: the whole header must be the one the driver expects (to the
      // remote MAC, from the adapter), so broadcasts and multicasts stay out (B.4).
      return length >= kEthernetHeader + 20 && std::memcmp(frame, remoteMac, 6) == 0 &&
                     std::memcmp(frame + 6, adapterMac, 6) == 0
                 ? StackFrameVerdict::Deliver
                 : StackFrameVerdict::Drop;
    case kEtherTypeIpv6:
      if (length < kEthernetHeader + 40) return StackFrameVerdict::Drop;
      return answerNeighborSolicitation(adapterMac, remoteMac, frame, length, reply, replyLength)
                 ? StackFrameVerdict::AnsweredNeighborSolicitation
                 : StackFrameVerdict::Deliver;
    default:
      return StackFrameVerdict::Drop;
  }
}

void tunWriteHeader(const uint8_t adapterMac[6], const uint8_t remoteMac[6], uint8_t firstByte,
                    uint8_t header[kEthernetHeader]) {
  ethernetHeader(header, adapterMac, remoteMac, (firstByte >> 4) == 6 ? kEtherTypeIpv6 : kEtherTypeIpv4);
}

}  // namespace tap_emu
