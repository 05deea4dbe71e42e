#include "last_error.h"

#include <cerrno>

namespace wintun_emu {

namespace {
thread_local uint32_t threadLastError = 0;
}

void setLastError(uint32_t code) {
  threadLastError = code;
  errno = static_cast<int>(code);
}

uint32_t lastError() { return threadLastError; }

}  // namespace wintun_emu
