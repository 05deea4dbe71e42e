/*
 * Turns an IPv4 UDP packet into its reply in place: source and destination addresses are
 * exchanged, and so are the ports. Every reflector in this folder (and the load generator's
 * checks) rely on this one definition.
 *
 * No checksum is touched, and none needs to be. The IPv4 header checksum is the ones' complement
 * of the ones' complement sum of the header's 16-bit words; the UDP checksum covers the UDP header,
 * the payload and a pseudo-header holding both addresses. Exchanging the two addresses (or the two
 * ports) only reorders terms of those sums, and ones' complement addition is commutative and
 * associative, so each sum, and therefore each stored checksum, is still valid. A zero UDP checksum
 * ("none") stays zero. swap_test.c checks this by recomputing both checksums after a swap.
 */
#ifndef MAGMA_BENCH_UDP_SWAP_H
#define MAGMA_BENCH_UDP_SWAP_H

#include <stddef.h>
#include <stdint.h>

/* 1 if the packet is an unfragmented IPv4 UDP datagram with a whole UDP header, 0 otherwise. */
int udp_is_reflectable(const uint8_t *packet, size_t size);

/* 1 if the packet was reflectable and is now swapped; 0 if it was anything else (left untouched,
 * for the caller to count and drop). */
int udp_swap_in_place(uint8_t *packet, size_t size);

#endif
