// Which flow a received IP packet belongs to, as a keyed hash, so that every packet of a flow is
// handed to the same worker, in order (issue: multi-queue). A flow is the 5-tuple: addresses and
// ports for TCP, UDP, UDP-Lite, SCTP and DCCP; addresses and protocol for everything else and for
// every IP fragment, so that the fragments of one datagram (only the first carries the ports)
// meet in one worker.
#pragma once

#include <cstddef>
#include <cstdint>

#include "siphash.h"

namespace magma::flow {

// The hash of the flow of the packet of `length` bytes at `packet`. A packet that is not IPv4 or
// IPv6, or is cut before its addresses, has the hash of an empty flow: all such packets go to one
// worker, which counts them as it counts any packet it cannot use. Reads nothing beyond `length`.
uint64_t FlowHash(const SipHashKey& key, const uint8_t* packet, size_t length);

// The worker, of `workers` (at least 1), that owns the flow of hash `hash`: Lemire's multiply and
// shift, which spreads evenly without a division.
inline uint32_t WorkerOf(uint64_t hash, uint32_t workers) {
  return static_cast<uint32_t>(((hash >> 32) * workers) >> 32);
}

}  // namespace magma::flow
