// WintunSetLogger's process-wide callback. Messages are built in UTF-8 and handed over as UTF-16
// with a FILETIME timestamp, at most 1023 code units as wintun.dll does.
#pragma once

#include <cstdint>
#include <string>

#include "wintun_api.h"

namespace wintun_emu {

void setLogger(WINTUN_LOGGER_CALLBACK logger);
void logMessage(WINTUN_LOGGER_LEVEL level, const std::string &message);
// Logs "<message> (Code 0x%08X)" at ERR, then sets the last error to `code` (after the callback,
// so nothing the callback does can clobber errno). Returns `code`.
uint32_t failWith(uint32_t code, const std::string &message);
// Now as a FILETIME: 100 ns ticks since 1601-01-01 UTC.
uint64_t fileTimeNow();

}  // namespace wintun_emu
