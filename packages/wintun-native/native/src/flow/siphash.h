// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): a keyed hash
// whose outputs an observer who does not know the key cannot predict, so traffic cannot be
// crafted to send every flow to one worker. The Linux kernel hashes flows with it for the same
// reason (lib/siphash.c).
#pragma once

#include <cstddef>
#include <cstdint>

namespace magma::flow {

struct SipHashKey {
  uint64_t k0;
  uint64_t k1;
};

// The hash of `length` bytes at `data`; `data` may be null when `length` is 0.
uint64_t SipHash24(const SipHashKey& key, const uint8_t* data, size_t length);

}  // namespace magma::flow
