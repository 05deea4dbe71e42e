// The Win32 code of the wintun call that just failed: GetLastError on Windows, errno where the
// emulator stores the same Win32 number. Read it immediately after the failing call.
#pragma once

#include <cstdint>

namespace magma::wintun {

uint32_t LastWin32Error();

}  // namespace magma::wintun
