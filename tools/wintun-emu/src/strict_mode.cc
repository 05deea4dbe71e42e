#include "strict_mode.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace wintun_emu {

namespace {

bool strictFromEnvironment() {
  const char *value = std::getenv("WINTUN_EMU_STRICT");
  return value != nullptr && value[0] != '\0' && std::strcmp(value, "0") != 0;
}

std::atomic<bool> &strictFlag() {
  static std::atomic<bool> flag{strictFromEnvironment()};
  return flag;
}

}  // namespace

bool strictMode() { return strictFlag().load(std::memory_order_relaxed); }

void setStrictMode(bool enabled) { strictFlag().store(enabled); }

void strictAbort(const char *call, const char *format, ...) {
  char detail[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(detail, sizeof detail, format, args);
  va_end(args);
  std::fprintf(stderr, "wintun-emu strict mode: %s: %s\n", call, detail);
  std::fflush(stderr);
  std::abort();
}

}  // namespace wintun_emu
