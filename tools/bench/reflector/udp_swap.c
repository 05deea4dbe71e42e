#include "udp_swap.h"

#include <string.h>

enum {
  IPV4_MIN_HEADER = 20,
  UDP_HEADER = 8,
  IP_PROTOCOL_UDP = 17,
  IPV4_FRAGMENT_OFFSET_MASK = 0x1FFF,
  IPV4_MORE_FRAGMENTS = 0x2000,
};

static void swap_bytes(uint8_t *a, uint8_t *b, size_t length) {
  uint8_t saved[4];
  memcpy(saved, a, length);
  memcpy(a, b, length);
  memcpy(b, saved, length);
}

int udp_is_reflectable(const uint8_t *packet, size_t size) {
  if (size < IPV4_MIN_HEADER || (packet[0] >> 4) != 4) {
    return 0;
  }
  size_t header = (size_t)(packet[0] & 0x0F) * 4;
  if (header < IPV4_MIN_HEADER || header + UDP_HEADER > size || packet[9] != IP_PROTOCOL_UDP) {
    return 0;
  }
  /* Only a whole datagram carries both ports where we expect them. */
  unsigned fragment = ((unsigned)packet[6] << 8) | packet[7];
  return (fragment & (IPV4_FRAGMENT_OFFSET_MASK | IPV4_MORE_FRAGMENTS)) == 0;
}

int udp_swap_in_place(uint8_t *packet, size_t size) {
  if (!udp_is_reflectable(packet, size)) {
    return 0;
  }
  size_t header = (size_t)(packet[0] & 0x0F) * 4;
  swap_bytes(packet + 12, packet + 16, 4);
  swap_bytes(packet + header, packet + header + 2, 2);
  return 1;
}
