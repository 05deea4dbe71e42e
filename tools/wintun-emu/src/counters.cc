#include "counters.h"

namespace wintun_emu {

void Counters::snapshot(WINTUN_EMU_COUNTERS *out) const {
  out->PacketsToApp = packetsToApp.load(std::memory_order_relaxed);
  out->BytesToApp = bytesToApp.load(std::memory_order_relaxed);
  out->PacketsFromApp = packetsFromApp.load(std::memory_order_relaxed);
  out->BytesFromApp = bytesFromApp.load(std::memory_order_relaxed);
  out->BatchesDroppedRingFull = batchesDroppedRingFull.load(std::memory_order_relaxed);
  out->PacketsDroppedRingFull = packetsDroppedRingFull.load(std::memory_order_relaxed);
  out->PacketsDiscardedFromApp = packetsDiscardedFromApp.load(std::memory_order_relaxed);
  out->PacketsLostByFault = packetsLostByFault.load(std::memory_order_relaxed);
  out->PacketsDuplicatedByFault = packetsDuplicatedByFault.load(std::memory_order_relaxed);
  out->PacketsReorderedByFault = packetsReorderedByFault.load(std::memory_order_relaxed);
  out->PacketsDelayedByFault = packetsDelayedByFault.load(std::memory_order_relaxed);
  out->PacketsDroppedDelayLineFull = packetsDroppedDelayLineFull.load(std::memory_order_relaxed);
  out->BytesDroppedRingFull = bytesDroppedRingFull.load(std::memory_order_relaxed);
}

Counters &globalCounters() {
  static Counters totals;
  return totals;
}

}  // namespace wintun_emu
