#include "faults.h"

#include <cstdlib>

namespace wintun_emu {

namespace {

uint32_t clampPerMillion(uint32_t value) { return value > 1000000 ? 1000000 : value; }

void assignDirection(DirectionFaults &target, const WINTUN_EMU_DIRECTION_FAULTS &source,
                     uint32_t delayMicroseconds) {
  target.lossPerMillion.store(clampPerMillion(source.LossPerMillion));
  target.duplicatePerMillion.store(clampPerMillion(source.DuplicatePerMillion));
  target.reorderPerMillion.store(clampPerMillion(source.ReorderPerMillion));
  target.delayMicroseconds.store(delayMicroseconds);
}

void copyDirection(DirectionFaults &target, const DirectionFaults &source) {
  target.lossPerMillion.store(source.lossPerMillion.load());
  target.duplicatePerMillion.store(source.duplicatePerMillion.load());
  target.reorderPerMillion.store(source.reorderPerMillion.load());
  target.delayMicroseconds.store(source.delayMicroseconds.load());
}

// Only a test build reads faults from the environment (CMake's WINTUN_EMU_TEST_HOOKS).
#if WINTUN_EMU_TEST_HOOKS
uint32_t perMillionFromPercent(const char *name) {
  const char *value = std::getenv(name);
  if (value == nullptr || value[0] == '\0') return 0;
  double percent = std::strtod(value, nullptr);
  if (!(percent > 0)) return 0;
  if (percent >= 100) return 1000000;
  return static_cast<uint32_t>(percent * 10000.0 + 0.5);
}

// Milliseconds, decimals allowed, to whole microseconds (0 when unset, not positive or NaN).
uint32_t microsecondsFromMilliseconds(const char *name) {
  const char *value = std::getenv(name);
  if (value == nullptr || value[0] == '\0') return 0;
  double milliseconds = std::strtod(value, nullptr);
  if (!(milliseconds > 0)) return 0;
  if (milliseconds >= UINT32_MAX / 1000.0) return UINT32_MAX;
  return static_cast<uint32_t>(milliseconds * 1000.0 + 0.5);
}

uint64_t unsignedFromEnvironment(const char *name) {
  const char *value = std::getenv(name);
  if (value == nullptr || value[0] == '\0') return 0;
  return std::strtoull(value, nullptr, 0);
}

void loadFromEnvironment(SessionFaults &faults) {
  faults.seed.store(unsignedFromEnvironment("WINTUN_EMU_SEED"));
  faults.toApp.lossPerMillion.store(perMillionFromPercent("WINTUN_EMU_TO_APP_LOSS"));
  faults.toApp.duplicatePerMillion.store(perMillionFromPercent("WINTUN_EMU_TO_APP_DUPLICATE"));
  faults.toApp.reorderPerMillion.store(perMillionFromPercent("WINTUN_EMU_TO_APP_REORDER"));
  faults.fromApp.lossPerMillion.store(perMillionFromPercent("WINTUN_EMU_FROM_APP_LOSS"));
  faults.fromApp.duplicatePerMillion.store(perMillionFromPercent("WINTUN_EMU_FROM_APP_DUPLICATE"));
  faults.fromApp.reorderPerMillion.store(perMillionFromPercent("WINTUN_EMU_FROM_APP_REORDER"));
  faults.toApp.delayMicroseconds.store(microsecondsFromMilliseconds("WINTUN_EMU_TO_APP_DELAY_MS"));
  faults.fromApp.delayMicroseconds.store(
      microsecondsFromMilliseconds("WINTUN_EMU_FROM_APP_DELAY_MS"));
  faults.endSessionAfterToApp.store(unsignedFromEnvironment("WINTUN_EMU_END_SESSION_AFTER"));
  faults.corruptToAppAfter.store(unsignedFromEnvironment("WINTUN_EMU_CORRUPT_TO_APP_AFTER"));
  faults.corruptFromAppAfter.store(unsignedFromEnvironment("WINTUN_EMU_CORRUPT_FROM_APP_AFTER"));
  faults.pauseFromApp.store(unsignedFromEnvironment("WINTUN_EMU_PAUSE_FROM_APP") != 0);
}
#endif

// splitmix64: small, fast and good enough to decide loss; not for anything secret.
uint64_t nextRandom(uint64_t &state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

void SessionFaults::assign(const WINTUN_EMU_FAULTS &faults) {
  assignDirection(toApp, faults.ToApp, faults.ToAppDelayMicroseconds);
  assignDirection(fromApp, faults.FromApp, faults.FromAppDelayMicroseconds);
  seed.store(faults.Seed);
  generation.fetch_add(1);
}

void SessionFaults::copyFrom(const SessionFaults &other) {
  copyDirection(toApp, other.toApp);
  copyDirection(fromApp, other.fromApp);
  endSessionAfterToApp.store(other.endSessionAfterToApp.load());
  corruptToAppAfter.store(other.corruptToAppAfter.load());
  corruptFromAppAfter.store(other.corruptFromAppAfter.load());
  pauseFromApp.store(other.pauseFromApp.load());
  seed.store(other.seed.load());
  generation.fetch_add(1);
}

SessionFaults &defaultFaults() {
  static SessionFaults *faults = [] {
    auto *loaded = new SessionFaults();
#if WINTUN_EMU_TEST_HOOKS
    loadFromEnvironment(*loaded);
#endif
    return loaded;
  }();
  return *faults;
}

void FaultDice::sync(const SessionFaults &faults) {
  uint32_t generation = faults.generation.load(std::memory_order_acquire);
  if (generation == generation_) return;
  generation_ = generation;
  state_ = faults.seed.load() ^ static_cast<uint64_t>(direction_);
}

bool FaultDice::roll(uint32_t perMillion) {
  if (perMillion == 0) return false;
  return nextRandom(state_) % 1000000u < perMillion;
}

}  // namespace wintun_emu
