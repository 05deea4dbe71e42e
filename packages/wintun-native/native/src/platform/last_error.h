// The Win32 code of the wintun call that just failed: GetLastError on Windows, errno where the
// emulator stores the same Win32 number. Read it immediately after the failing call.
#pragma once

#include <cstdint>

namespace magma::wintun {

uint32_t LastWin32Error();
// Stores a Win32 code where LastWin32Error reads it (SetLastError; errno on Linux), for our own
// calls that report as wintun's do (tap/tap_packet_ring.cc).
void SetWin32Error(uint32_t code);

#ifndef _WIN32
// The Win32 code that stands for an errno of one of our own POSIX calls (eventfd, poll, netlink):
// a raw errno would be misread as one (EMFILE, 24, is ERROR_BAD_LENGTH).
uint32_t Win32FromErrno(int error);
void SetWin32ErrorFromErrno();
#endif

}  // namespace magma::wintun
