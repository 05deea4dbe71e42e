// Fault injection: loss, duplication and reordering per direction, decided by a seeded generator
// so a run can be repeated, and a delay per direction (delay_line.h); plus forced end-of-session
// and ring corruption after N packets.
// Defaults come from the environment (see README), sessions copy them at start.
#pragma once

#include <atomic>
#include <cstdint>

#include "wintun_emu.h"

namespace wintun_emu {

struct DirectionFaults {
  std::atomic<uint32_t> lossPerMillion{0};
  std::atomic<uint32_t> duplicatePerMillion{0};
  std::atomic<uint32_t> reorderPerMillion{0};
  std::atomic<uint32_t> delayMicroseconds{0};  // 0 = no delay line

  int64_t delayNs() const {
    return static_cast<int64_t>(delayMicroseconds.load(std::memory_order_relaxed)) * 1000;
  }
};

struct SessionFaults {
  std::atomic<uint64_t> seed{0};
  std::atomic<uint32_t> generation{0};  // bumped whenever the seed changes
  DirectionFaults toApp;
  DirectionFaults fromApp;
  // 0 = never. Counted in packets published to the app / consumed from the app.
  std::atomic<uint64_t> endSessionAfterToApp{0};
  std::atomic<uint64_t> corruptToAppAfter{0};
  std::atomic<uint64_t> corruptFromAppAfter{0};
  // The driver leaves the send ring alone (no inline or driver-thread consumption), so a sender
  // fills it as a fast producer fills wintun.sys's; resuming consumes what accumulated.
  std::atomic<bool> pauseFromApp{false};

  void assign(const WINTUN_EMU_FAULTS &faults);
  void copyFrom(const SessionFaults &other);
};

SessionFaults &defaultFaults();

enum class FaultDirection : uint64_t { ToApp = 0x746f617070ull, FromApp = 0x66726f6d617070ull };

// One direction's dice, owned by the driver thread of that direction.
class FaultDice {
 public:
  explicit FaultDice(FaultDirection direction) : direction_(direction) {}
  // Re-seeds when the session's seed changed since the last roll.
  void sync(const SessionFaults &faults);
  bool roll(uint32_t perMillion);

 private:
  FaultDirection direction_;
  uint32_t generation_ = UINT32_MAX;
  uint64_t state_ = 0;
};

}  // namespace wintun_emu
