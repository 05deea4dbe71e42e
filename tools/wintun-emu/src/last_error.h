// The Win32 last-error convention: a failing call stores its code per thread and in errno, so a
// consumer that reads errno right after the call (as .NET and the Magma addon do) sees the code. A
// successful call leaves both untouched, as on Windows.
#pragma once

#include <cstdint>

namespace wintun_emu {

void setLastError(uint32_t code);
uint32_t lastError();

}  // namespace wintun_emu
