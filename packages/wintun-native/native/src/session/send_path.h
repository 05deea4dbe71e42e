// Copies a batch of packets into the send ring in order: AllocateSendPacket, copy, SendPacket.
// A full ring or a dead session stops the batch (later packets would otherwise overtake the ones
// that did not fit); the packets not sent are counted as drops by cause and never thrown.
#pragma once

#include <cstdint>
#include <cstring>

#include <vector>

#include "../platform/last_error.h"
#include "packet_ring.h"
#include "session_statistics.h"
#include "slot_memory.h"

namespace magma::wintun {

// `packet_at(i, data, length)` names packet i; false means it is malformed (counted, skipped).
// Returns how many packets reached the ring. `ended` gets the Win32 code when the send ring is
// over (anything but ERROR_BUFFER_OVERFLOW: the adapter is going away, or the driver found the
// ring corrupt and stopped consuming it), and is left alone otherwise.
template <typename PacketAt>
uint32_t SendBatch(PacketRing& ring, uint32_t count, PacketAt packet_at,
                   SessionStatistics& stats, uint32_t& ended) {
  uint32_t sent = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* data = nullptr;
    uint32_t length = 0;
    if (!packet_at(i, data, length) || length < ring.min_send_size() || length > ring.max_send_size()) {
      stats.drop_invalid_packet.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    BYTE* target = ring.AllocateSendPacket(length);
    if (target == nullptr) {
      uint32_t code = LastWin32Error();
      const bool full = code == WINTUN_ERROR_BUFFER_OVERFLOW;
      (full ? stats.drop_send_ring_full : stats.drop_session_ended).fetch_add(count - i, std::memory_order_relaxed);
      if (!full) ended = code;
      break;
    }
    std::memcpy(target, data, length);
    // Counted before it is handed over: once SendPacket returns, the packet may already have
    // reached its peer (a TAP write completes in the call), and whoever saw it arrive must find
    // it counted. A ring that later learns the packet was lost moves it to a drop (CountInto).
    stats.tx_packets.fetch_add(1, std::memory_order_relaxed);
    stats.tx_bytes.fetch_add(length, std::memory_order_relaxed);
    ring.SendPacket(target);
    ++sent;
  }
  return sent;
}

// SendBatch over (slot id, length) pairs naming slots of `slots`; a pair that names no slot, or a
// length the slot cannot hold, is malformed.
inline uint32_t SendSlotPairs(PacketRing& ring, const int32_t* pairs,
                              uint32_t count, const std::vector<SlotMemory>& slots, SessionStatistics& stats,
                              uint32_t& ended) {
  return SendBatch(
      ring, count,
      [&](uint32_t i, const uint8_t*& packet, uint32_t& length) {
        const int32_t id = pairs[2 * i], size = pairs[2 * i + 1];
        if (id < 0 || static_cast<size_t>(id) >= slots.size() || size <= 0 ||
            static_cast<uint32_t>(size) > slots[id].capacity) {
          return false;
        }
        packet = slots[id].data;
        length = static_cast<uint32_t>(size);
        return true;
      },
      stats, ended);
}

}  // namespace magma::wintun
