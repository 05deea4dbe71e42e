// Loading the wintun library and finding its exports: LoadLibraryExW/GetProcAddress on Windows
// (dynamic_library_windows.cc), dlopen/dlsym elsewhere (dynamic_library_posix.cc).
#pragma once

#include <cstdint>
#include <string>

namespace magma::wintun {

struct LoadFailure {
  uint32_t win32_code = 0;  // ERROR_MOD_NOT_FOUND (126), ERROR_BAD_EXE_FORMAT (193), ...
  std::string detail;       // what the loader said
};

// Opens the library at `path` (UTF-8). An empty path means the platform's default: on Windows
// "wintun.dll" from the application directory or System32 only (never the current directory or
// PATH). Returns nullptr and fills `failure` when it cannot. Libraries are never unloaded: the
// DLL may still log from its thread pool after a call returns.
void* OpenDynamicLibrary(const std::string& path, LoadFailure& failure);

void* FindLibrarySymbol(void* library, const char* name);

// The names of the platform calls above, for error messages ("dlopen", "LoadLibraryExW", ...).
extern const char* const kOpenLibraryCall;
extern const char* const kFindSymbolCall;

}  // namespace magma::wintun
