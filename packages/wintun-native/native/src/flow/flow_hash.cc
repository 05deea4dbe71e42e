#include "flow_hash.h"

#include <cstring>

namespace magma::flow {
namespace {

// IANA protocol numbers whose first four bytes are the source and destination ports.
bool HasPorts(uint8_t protocol) {
  switch (protocol) {
    case 6:    // TCP (RFC 9293 section 3.1)
    case 17:   // UDP (RFC 768)
    case 33:   // DCCP (RFC 4340 section 5.1)
    case 132:  // SCTP (RFC 9260 section 3.1)
    case 136:  // UDP-Lite (RFC 3828 section 3.1)
      return true;
    default:
      return false;
  }
}

// IPv6 extension headers walked to reach the transport header (RFC 8200 section 4).
constexpr uint8_t kHopByHop = 0;
constexpr uint8_t kRouting = 43;
constexpr uint8_t kFragment = 44;
constexpr uint8_t kAuthentication = 51;  // RFC 4302 section 2.2: its length is in 4-byte units
constexpr uint8_t kDestinationOptions = 60;
// More headers than any sane packet carries; a longer chain is hashed as what was reached.
constexpr int kMaxExtensionHeaders = 8;

// The flow's fields, laid out for hashing: version, protocol, fragment flag, addresses, ports.
struct FlowFields {
  uint8_t bytes[3 + 16 + 16 + 4];
  size_t length = 0;

  void Add(const uint8_t* data, size_t count) {
    std::memcpy(bytes + length, data, count);
    length += count;
  }
  void Add(uint8_t value) { bytes[length++] = value; }
};

}  // namespace

uint64_t FlowHash(const SipHashKey& key, const uint8_t* packet, size_t length) {
  FlowFields fields;
  const uint8_t version = length > 0 ? packet[0] >> 4 : 0;
  uint8_t protocol = 0;
  bool fragment = false;
  size_t transport = 0;
  size_t address_length = 0;
  const uint8_t* addresses = nullptr;
  if (version == 4 && length >= 20) {
    // RFC 791 section 3.1: IHL in 4-byte words; MF flag and fragment offset in bytes 6-7.
    const size_t header = static_cast<size_t>(packet[0] & 0x0f) * 4;
    if (header >= 20) {
      protocol = packet[9];
      fragment = ((packet[6] & 0x3f) | packet[7]) != 0;
      addresses = packet + 12;
      address_length = 8;
      transport = header;
    }
  } else if (version == 6 && length >= 40) {
    protocol = packet[6];
    addresses = packet + 8;
    address_length = 32;
    size_t at = 40;
    for (int i = 0; i < kMaxExtensionHeaders; ++i) {
      if (protocol == kFragment) {
        // RFC 8200 section 4.5: 8 bytes; every fragment, the first too, is hashed without ports.
        if (at + 8 > length) break;
        fragment = true;
        protocol = packet[at];
        at += 8;
      } else if (protocol == kHopByHop || protocol == kRouting ||
                 protocol == kDestinationOptions || protocol == kAuthentication) {
        if (at + 2 > length) break;
        const size_t extension = protocol == kAuthentication
                                     ? (static_cast<size_t>(packet[at + 1]) + 2) * 4
                                     : (static_cast<size_t>(packet[at + 1]) + 1) * 8;
        protocol = packet[at];
        at += extension;
      } else {
        break;
      }
    }
    transport = at;
  }
  if (addresses == nullptr) return SipHash24(key, nullptr, 0);
  fields.Add(version);
  fields.Add(protocol);
  fields.Add(fragment ? 1 : 0);
  fields.Add(addresses, address_length);
  if (!fragment && HasPorts(protocol) && transport + 4 <= length) fields.Add(packet + transport, 4);
  return SipHash24(key, fields.bytes, fields.length);
}

}  // namespace magma::flow
