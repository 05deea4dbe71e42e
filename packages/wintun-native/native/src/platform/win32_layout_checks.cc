// The Win32 and wintun.dll layouts the addon hands across the DLL boundary, pinned for x64 (the
// Windows target we build and link in CI with mingw-w64). A header that disagrees with the ABI
// fails the build here instead of corrupting memory at run time.
#include <windows.h>

#include <cstddef>

#include "wintun_api.h"

static_assert(sizeof(void*) == 8, "the Windows build targets x64");
static_assert(sizeof(GUID) == 16, "GUID");
static_assert(offsetof(GUID, Data2) == 4 && offsetof(GUID, Data3) == 6 && offsetof(GUID, Data4) == 8, "GUID fields");
static_assert(sizeof(WINTUN_NET_LUID) == 8, "NET_LUID");
static_assert(sizeof(BOOL) == 4, "BOOL");
static_assert(sizeof(DWORD) == 4, "DWORD");
static_assert(sizeof(DWORD64) == 8, "DWORD64");
static_assert(sizeof(WCHAR) == 2, "WCHAR is a UTF-16 code unit");
static_assert(sizeof(WINTUN_WCHAR) == sizeof(char16_t), "names are passed as char16_t strings");
static_assert(sizeof(HANDLE) == 8, "HANDLE");
static_assert(sizeof(WINTUN_LOGGER_LEVEL) == 4, "WINTUN_LOGGER_LEVEL is a C enum (int32)");
static_assert(LOAD_LIBRARY_SEARCH_APPLICATION_DIR == 0x200 && LOAD_LIBRARY_SEARCH_SYSTEM32 == 0x800,
              "LoadLibraryExW search flags");
static_assert(WAIT_OBJECT_0 == 0, "WaitForMultipleObjects result base");
