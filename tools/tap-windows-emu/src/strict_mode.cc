#include "strict_mode.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tap_emu {

namespace {

bool strictFromEnvironment() {
  const char *value = std::getenv("TAP_EMU_STRICT");
  return value != nullptr && value[0] != '\0' && std::strcmp(value, "0") != 0;
}

std::atomic<bool> &strictFlag() {
  static std::atomic<bool> flag{strictFromEnvironment()};
  return flag;
}

struct WarningRecord {
  std::mutex mutex;
  uint32_t count = 0;
  std::string last;
};

WarningRecord &warnings() {
  static WarningRecord record;
  return record;
}

std::string formatLine(const char *call, const char *format, va_list args) {
  char detail[512];
  std::vsnprintf(detail, sizeof detail, format, args);
  return std::string("tap-windows-emu strict mode: ") + call + ": " + detail;
}

}  // namespace

bool strictMode() { return strictFlag().load(std::memory_order_relaxed); }

void setStrictMode(bool enabled) { strictFlag().store(enabled); }

void strictViolation(const char *call, const char *format, ...) {
  if (!strictMode()) return;
  va_list args;
  va_start(args, format);
  std::string line = formatLine(call, format, args);
  va_end(args);
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  std::abort();
}

void strictWarning(const char *call, const char *format, ...) {
  if (!strictMode()) return;
  va_list args;
  va_start(args, format);
  std::string line = formatLine(call, format, args);
  va_end(args);
  std::fprintf(stderr, "%s\n", line.c_str());
  WarningRecord &record = warnings();
  std::lock_guard<std::mutex> lock(record.mutex);
  ++record.count;
  record.last = line;
}

uint32_t strictWarningCount() {
  WarningRecord &record = warnings();
  std::lock_guard<std::mutex> lock(record.mutex);
  return record.count;
}

std::string lastStrictWarning() {
  WarningRecord &record = warnings();
  std::lock_guard<std::mutex> lock(record.mutex);
  return record.last;
}

}  // namespace tap_emu
