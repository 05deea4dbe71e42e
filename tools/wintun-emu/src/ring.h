// The shared ring of a Wintun session, laid out byte for byte as wintun.sys and wintun.dll share
// it (TUN_RING): Head, Tail, Alertable, then Capacity + 0x10000 bytes of packet data, so a packet
// that starts just before the wrap point stays contiguous in the slack after Capacity.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wintun_emu {

constexpr uint32_t kMaxIpPacketSize = 0xFFFF;
constexpr uint32_t kMinRingCapacity = 0x20000;
constexpr uint32_t kMaxRingCapacity = 0x4000000;
constexpr uint32_t kPacketHeaderSize = 4;
// align4(4 + 0xFFFF): the most ring bytes one packet can take.
constexpr uint32_t kMaxPacketFootprint = 0x10004;
// Bit 31 of a packet's Size word: "released" on the app's receive ring, "allocated, not yet sent"
// on the app's send ring.
constexpr uint32_t kPacketFlag = 0x80000000u;
// A Head or Tail at or beyond Capacity marks the ring dead; the driver writes this value.
constexpr uint32_t kDeadOffset = 0xFFFFFFFFu;

struct TunRing {
  uint32_t head;       // first unconsumed byte, written by the consumer
  uint32_t tail;       // first free byte, written by the producer
  int32_t alertable;   // set by the kernel consumer of the app's send ring before it sleeps
  uint8_t data[];      // Capacity + kMaxPacketFootprint - 4 bytes
};
static_assert(offsetof(TunRing, head) == 0, "TUN_RING layout");
static_assert(offsetof(TunRing, tail) == 4, "TUN_RING layout");
static_assert(offsetof(TunRing, alertable) == 8, "TUN_RING layout");
static_assert(offsetof(TunRing, data) == 12, "TUN_RING layout");

constexpr uint32_t align4(uint32_t size) { return (size + 3u) & ~3u; }

// Bytes one packet of `size` payload bytes takes in the ring; wraps to 0 for sizes near 2^32,
// exactly as the DLL's arithmetic does.
constexpr uint32_t packetFootprint(uint32_t size) { return align4(kPacketHeaderSize + size); }

constexpr uint32_t ringSize(uint32_t capacity) { return capacity + 0x1000Cu; }

inline bool isValidCapacity(uint32_t capacity) {
  return capacity >= kMinRingCapacity && capacity <= kMaxRingCapacity &&
         (capacity & (capacity - 1)) == 0;
}

inline uint32_t loadAcquire(const uint32_t *field) {
  return __atomic_load_n(field, __ATOMIC_ACQUIRE);
}
inline void storeRelease(uint32_t *field, uint32_t value) {
  __atomic_store_n(field, value, __ATOMIC_RELEASE);
}

// The Size word in front of the packet that starts at `offset`.
inline uint32_t *sizeWordAt(TunRing *ring, uint32_t offset) {
  return reinterpret_cast<uint32_t *>(ring->data + offset);
}

}  // namespace wintun_emu
