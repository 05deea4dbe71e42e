/* Compiled and linked with mingw-w64 by ctest, as C and as C++17: on Windows the table comes
 * straight from the real kernel32/advapi32 exports (TapWin32SystemApi), so every member's type
 * must be exactly theirs, and the header's static_asserts (IOCTL codes, OVERLAPPED layout,
 * struct sizes) must hold against <windows.h>. */
#include "tap_windows_api.h"

int main(void) {
  TapWin32Api api = TapWin32SystemApi();
  return api.GetLastError == NULL || api.RegCloseKey == NULL;
}
