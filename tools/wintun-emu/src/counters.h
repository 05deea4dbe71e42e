// Per-session traffic counters, written by the emulated driver threads and read by tests through
// WintunEmuGetSessionCounters; every session also adds to its adapter's totals
// (WintunEmuGetAdapterCounters) and the process-wide ones.
#pragma once

#include <atomic>
#include <cstdint>

#include "wintun_emu.h"

namespace wintun_emu {

struct Counters {
  std::atomic<uint64_t> packetsToApp{0};
  std::atomic<uint64_t> bytesToApp{0};
  std::atomic<uint64_t> packetsFromApp{0};
  std::atomic<uint64_t> bytesFromApp{0};
  std::atomic<uint64_t> batchesDroppedRingFull{0};
  std::atomic<uint64_t> packetsDroppedRingFull{0};
  std::atomic<uint64_t> packetsDiscardedFromApp{0};
  std::atomic<uint64_t> packetsLostByFault{0};
  std::atomic<uint64_t> packetsDuplicatedByFault{0};
  std::atomic<uint64_t> packetsReorderedByFault{0};
  std::atomic<uint64_t> packetsDelayedByFault{0};
  std::atomic<uint64_t> packetsDroppedDelayLineFull{0};
  std::atomic<uint64_t> bytesDroppedRingFull{0};
  // A session's counters also add to its adapter's totals (set before its threads start).
  Counters *adapter = nullptr;

  void snapshot(WINTUN_EMU_COUNTERS *out) const;
};

Counters &globalCounters();

// Adds to a session counter and the matching adapter and global ones.
inline void count(Counters &session, std::atomic<uint64_t> Counters::*field, uint64_t amount) {
  (session.*field).fetch_add(amount, std::memory_order_relaxed);
  if (session.adapter != nullptr) (session.adapter->*field).fetch_add(amount, std::memory_order_relaxed);
  (globalCounters().*field).fetch_add(amount, std::memory_order_relaxed);
}

inline void uncount(Counters &session, std::atomic<uint64_t> Counters::*field, uint64_t amount) {
  (session.*field).fetch_sub(amount, std::memory_order_relaxed);
  if (session.adapter != nullptr) (session.adapter->*field).fetch_sub(amount, std::memory_order_relaxed);
  (globalCounters().*field).fetch_sub(amount, std::memory_order_relaxed);
}

}  // namespace wintun_emu
