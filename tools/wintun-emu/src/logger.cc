#include "logger.h"

#include <atomic>
#include <cstdio>
#include <ctime>

#include "last_error.h"
#include "utf16.h"

namespace wintun_emu {

namespace {

std::atomic<WINTUN_LOGGER_CALLBACK> currentLogger{nullptr};
constexpr size_t kMaxMessageUnits = 1023;
constexpr uint64_t kUnixEpochAsFileTime = 116444736000000000ull;

}  // namespace

void setLogger(WINTUN_LOGGER_CALLBACK logger) { currentLogger.store(logger); }

uint64_t fileTimeNow() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return kUnixEpochAsFileTime + static_cast<uint64_t>(now.tv_sec) * 10000000ull +
         static_cast<uint64_t>(now.tv_nsec) / 100u;
}

void logMessage(WINTUN_LOGGER_LEVEL level, const std::string &message) {
  WINTUN_LOGGER_CALLBACK logger = currentLogger.load();
  if (logger == nullptr) return;
  Utf16String text = utf8ToUtf16(message);
  if (text.size() > kMaxMessageUnits) {
    text.resize(kMaxMessageUnits - 1);
    text += u'\u2026';
  }
  logger(level, fileTimeNow(), reinterpret_cast<const WINTUN_WCHAR *>(text.c_str()));
}

uint32_t failWith(uint32_t code, const std::string &message) {
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, " (Code 0x%08X)", code);
  logMessage(WINTUN_LOG_ERR, message + suffix);
  setLastError(code);
  return code;
}

}  // namespace wintun_emu
