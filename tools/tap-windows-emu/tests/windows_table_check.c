/* Compiled with mingw-w64 by ctest: on Windows the table is filled straight from the real
 * kernel32/advapi32 exports, so every member's type must be exactly theirs, and the header's
 * static_asserts (IOCTL codes, OVERLAPPED layout, struct sizes) hold against <windows.h>. */
#include "tap_windows_api.h"

static TapWin32Api windowsTable(void) {
  TapWin32Api table = {
      CreateFileW,         DeviceIoControl,        ReadFile,         WriteFile,
      GetOverlappedResult, CancelIoEx,             CloseHandle,      CreateEventW,
      SetEvent,            ResetEvent,             WaitForSingleObject, WaitForMultipleObjects,
      GetLastError,        RegOpenKeyExW,          RegEnumKeyExW,    RegQueryValueExW,
      RegCloseKey,
  };
  return table;
}

int main(void) {
  TapWin32Api table = windowsTable();
  return table.GetLastError == NULL;
}
