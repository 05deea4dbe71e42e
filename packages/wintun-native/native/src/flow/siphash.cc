#include "siphash.h"

namespace magma::flow {
namespace {

inline uint64_t RotateLeft(uint64_t value, int bits) {
  return (value << bits) | (value >> (64 - bits));
}

inline uint64_t LoadLittleEndian64(const uint8_t* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

struct State {
  uint64_t v0, v1, v2, v3;

  // One SipRound (section 2 of the paper).
  void Round() {
    v0 += v1;
    v1 = RotateLeft(v1, 13);
    v1 ^= v0;
    v0 = RotateLeft(v0, 32);
    v2 += v3;
    v3 = RotateLeft(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = RotateLeft(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = RotateLeft(v1, 17);
    v1 ^= v2;
    v2 = RotateLeft(v2, 32);
  }

  // c = 2 compression rounds per 8-byte word.
  void Absorb(uint64_t word) {
    v3 ^= word;
    Round();
    Round();
    v0 ^= word;
  }
};

}  // namespace

uint64_t SipHash24(const SipHashKey& key, const uint8_t* data, size_t length) {
  // Initialisation constants: "somepseudorandomlygeneratedbytes" (section 2).
  State state{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
              key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
  const size_t whole = length - length % 8;
  for (size_t at = 0; at < whole; at += 8) state.Absorb(LoadLittleEndian64(data + at));
  // The last word: the remaining bytes, and the length modulo 256 in the top byte.
  uint64_t last = static_cast<uint64_t>(length & 0xff) << 56;
  for (size_t i = 0; i < length % 8; ++i) last |= static_cast<uint64_t>(data[whole + i]) << (8 * i);
  state.Absorb(last);
  // Finalisation: d = 4 rounds.
  state.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) state.Round();
  return state.v0 ^ state.v1 ^ state.v2 ^ state.v3;
}

}  // namespace magma::flow
