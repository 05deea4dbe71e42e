#include <windows.h>

#include "last_error.h"

namespace magma::wintun {

uint32_t LastWin32Error() {
  DWORD code = GetLastError();
  // Some CreateAdapter paths store an HRESULT; FACILITY_WIN32 ones carry the Win32 code below.
  if ((code & 0xFFFF0000u) == 0x80070000u) return code & 0xFFFFu;
  return code;
}

void SetWin32Error(uint32_t code) { SetLastError(code); }

}  // namespace magma::wintun
