// What tap0901 does with frames in TUN mode (after CONFIG_TUN or CONFIG_POINT_TO_POINT), as
// reference B.4 and B.7 state it and tap-windows6's txpath.c (ProcessARP,
// HandleIPv6NeighborDiscovery) does it: the stack's ARP requests for the configured network and its
// Neighbor Solicitations for fe80::8 are answered inside the driver with the "remote" MAC, IPv4
// reaches the reader only when sent to that MAC, IPv6 always (unicast and multicast), anything
// else is dropped; writes get a synthetic Ethernet header whose type follows the IP version.
// Pure functions over byte buffers: no state, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tap_emu {

struct TunConfig {
  uint8_t local[4];
  uint8_t network[4];
  uint8_t netmask[4];
};

enum class StackFrameVerdict {
  Deliver,  // strip the 14-byte Ethernet header and hand the packet to a read
  AnsweredArp,  // `reply` holds the driver's ARP reply for the stack
  AnsweredNeighborSolicitation,  // `reply` holds the driver's Neighbor Advertisement
  Drop,
};

constexpr size_t kEthernetHeader = 14;
// The largest reply the driver makes: Ethernet + IPv6 + NA with a link-layer option.
constexpr size_t kMaxReplyFrame = kEthernetHeader + 40 + 32;

// The remote ("fake router") MAC: the adapter MAC with byte 2 plus one (B.4).
void remoteMacOf(const uint8_t adapterMac[6], uint8_t remoteMac[6]);

StackFrameVerdict classifyStackFrame(const TunConfig &config, const uint8_t adapterMac[6],
                                     const uint8_t remoteMac[6], const uint8_t *frame, size_t length,
                                     uint8_t reply[kMaxReplyFrame], size_t *replyLength);

// The header the driver puts in front of a TUN-mode write: destination the adapter, source the
// remote MAC, type 0x86DD when the version nibble of `firstByte` is 6, else 0x0800.
void tunWriteHeader(const uint8_t adapterMac[6], const uint8_t remoteMac[6], uint8_t firstByte,
                    uint8_t header[kEthernetHeader]);

}  // namespace tap_emu
