/*
 * udp_swap_in_place leaves both checksums valid (ones' complement sums do not depend on the
 * order of their terms), swaps exactly the addresses and ports, and refuses what is not a whole
 * IPv4 UDP datagram. Packets come from a fixed-seed generator, so failures repeat.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "udp_swap.h"

static int failures = 0;

#define CHECK(condition, what)                                  \
  do {                                                          \
    if (!(condition)) {                                         \
      fprintf(stderr, "FAIL %s (line %d)\n", what, __LINE__);   \
      failures++;                                               \
    }                                                           \
  } while (0)

static uint64_t random_state = 0x9E3779B97F4A7C15u;
static uint32_t next_random(void) {
  random_state ^= random_state << 13;
  random_state ^= random_state >> 7;
  random_state ^= random_state << 17;
  return (uint32_t)random_state;
}

static uint32_t add_words(uint32_t sum, const uint8_t *bytes, size_t length) {
  for (size_t i = 0; i + 1 < length; i += 2) {
    sum += (uint32_t)bytes[i] << 8 | bytes[i + 1];
  }
  if (length % 2 != 0) {
    sum += (uint32_t)bytes[length - 1] << 8;
  }
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16 != 0) {
    sum = (sum & 0xFFFF) + (sum >> 16);
  }
  return (uint16_t)sum;
}

static uint32_t udp_pseudo_sum(const uint8_t *packet, size_t header, size_t udp_length) {
  uint32_t sum = add_words(0, packet + 12, 8); /* source and destination addresses */
  sum += 17;
  sum += (uint32_t)udp_length;
  return add_words(sum, packet + header, udp_length);
}

/* Builds a valid IPv4/UDP packet (options when header > 20) and returns its size. */
static size_t build_packet(uint8_t *packet, size_t header, size_t payload, int with_checksum) {
  size_t udp_length = 8 + payload;
  size_t total = header + udp_length;
  memset(packet, 0, total);
  packet[0] = (uint8_t)(0x40 | (header / 4));
  packet[2] = (uint8_t)(total >> 8);
  packet[3] = (uint8_t)total;
  packet[8] = 64;
  packet[9] = 17;
  for (size_t i = 12; i < 20; i++) {
    packet[i] = (uint8_t)next_random();
  }
  for (size_t i = 20; i < header; i++) {
    packet[i] = 1; /* NOP options */
  }
  uint16_t checksum = (uint16_t)~fold(add_words(0, packet, header));
  packet[10] = (uint8_t)(checksum >> 8);
  packet[11] = (uint8_t)checksum;
  uint8_t *udp = packet + header;
  for (size_t i = 0; i < 4; i++) {
    udp[i] = (uint8_t)next_random();
  }
  udp[4] = (uint8_t)(udp_length >> 8);
  udp[5] = (uint8_t)udp_length;
  for (size_t i = 8; i < udp_length; i++) {
    udp[i] = (uint8_t)next_random();
  }
  if (with_checksum) {
    uint16_t udp_checksum = (uint16_t)~fold(udp_pseudo_sum(packet, header, udp_length));
    if (udp_checksum == 0) {
      udp_checksum = 0xFFFF; /* RFC 768: a computed zero is sent as all ones */
    }
    udp[6] = (uint8_t)(udp_checksum >> 8);
    udp[7] = (uint8_t)udp_checksum;
  }
  return total;
}

static void swapped_packets_keep_valid_checksums(void) {
  static const size_t headers[] = {20, 24, 60};
  static const size_t payloads[] = {0, 1, 16, 63, 64, 1472};
  uint8_t packet[1600];
  uint8_t original[1600];
  for (int round = 0; round < 200; round++) {
    size_t header = headers[round % 3];
    size_t payload = payloads[round % 6];
    size_t size = build_packet(packet, header, payload, 1);
    memcpy(original, packet, size);
    CHECK(udp_swap_in_place(packet, size) == 1, "a UDP packet is swapped");
    CHECK(fold(add_words(0, packet, header)) == 0xFFFF, "IPv4 header checksum still valid");
    CHECK(fold(udp_pseudo_sum(packet, header, 8 + payload)) == 0xFFFF,
          "UDP checksum still valid");
    CHECK(memcmp(packet + 12, original + 16, 4) == 0, "source is the old destination");
    CHECK(memcmp(packet + 16, original + 12, 4) == 0, "destination is the old source");
    CHECK(memcmp(packet + header, original + header + 2, 2) == 0, "source port swapped");
    CHECK(memcmp(packet + header + 2, original + header, 2) == 0, "destination port swapped");
    CHECK(memcmp(packet, original, 12) == 0, "IPv4 fields before the addresses unchanged");
    CHECK(memcmp(packet + header + 4, original + header + 4, size - header - 4) == 0,
          "length, checksum and payload unchanged");
  }
}

static void zero_checksum_stays_zero(void) {
  uint8_t packet[128];
  size_t size = build_packet(packet, 20, 32, 0);
  CHECK(udp_swap_in_place(packet, size) == 1, "a UDP packet without checksum is swapped");
  CHECK(packet[26] == 0 && packet[27] == 0, "a zero UDP checksum stays zero");
}

static void other_packets_are_left_alone(void) {
  uint8_t packet[128];
  uint8_t original[128];
  size_t size = build_packet(packet, 20, 32, 1);

  memcpy(original, packet, size);
  packet[9] = 6; /* TCP */
  original[9] = 6;
  CHECK(udp_swap_in_place(packet, size) == 0 && memcmp(packet, original, size) == 0,
        "TCP left alone");

  size = build_packet(packet, 20, 32, 1);
  packet[6] = 0x20; /* more fragments */
  memcpy(original, packet, size);
  CHECK(udp_swap_in_place(packet, size) == 0 && memcmp(packet, original, size) == 0,
        "first fragment left alone");
  packet[6] = 0x00;
  packet[7] = 0x10; /* fragment offset 16 */
  CHECK(udp_swap_in_place(packet, size) == 0, "later fragment left alone");

  size = build_packet(packet, 20, 32, 1);
  CHECK(udp_swap_in_place(packet, 27) == 0, "truncated UDP header left alone");
  CHECK(udp_swap_in_place(packet, 19) == 0, "truncated IPv4 header left alone");
  packet[0] = 0x44; /* IHL 4: shorter than the minimum header */
  CHECK(udp_swap_in_place(packet, size) == 0, "IHL below 5 left alone");
  packet[0] = 0x60; /* IPv6 */
  CHECK(udp_swap_in_place(packet, size) == 0, "IPv6 left alone");
  CHECK(udp_swap_in_place(packet, 0) == 0, "empty packet left alone");
}

int main(void) {
  swapped_packets_keep_valid_checksums();
  zero_checksum_stays_zero();
  other_packets_are_left_alone();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("udp_swap: all checks passed\n");
  return 0;
}
