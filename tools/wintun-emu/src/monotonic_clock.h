// CLOCK_MONOTONIC in nanoseconds, for the driver threads' timed waits: a packet held back by the
// reordering fault and the delay lines' due times.
#pragma once

#include <time.h>

#include <cstdint>

namespace wintun_emu {

inline int64_t monotonicNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// A relative timeout for ppoll; negative counts as 0 (already due).
inline timespec timeoutFromNs(int64_t ns) {
  if (ns < 0) ns = 0;
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

// The earlier of two timeouts in nanoseconds, where a negative one means "none".
inline int64_t earlierTimeout(int64_t a, int64_t b) {
  if (a < 0) return b;
  if (b < 0) return a;
  return a < b ? a : b;
}

}  // namespace wintun_emu
