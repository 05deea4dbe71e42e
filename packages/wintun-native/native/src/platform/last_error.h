// The Win32 code of the wintun call that just failed: GetLastError on Windows, errno where the
// emulator stores the same Win32 number. Read it immediately after the failing call.
#pragma once

#include <cstdint>

namespace magma::wintun {

uint32_t LastWin32Error();

#ifndef _WIN32
// The Win32 code that stands for a failure of one of our own POSIX calls (eventfd, poll), stored in
// errno so that LastWin32Error reads it as it reads the emulator's: a raw errno would be misread
// (EMFILE, 24, is ERROR_BAD_LENGTH).
void SetWin32ErrorFromErrno();
void SetWin32Error(uint32_t code);
#endif

}  // namespace magma::wintun
