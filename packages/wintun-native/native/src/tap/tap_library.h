// One TAP-Windows function table and its adapter controls: on Linux the emulator's, on Windows
// SetupAPI's (what tapctl does). Windows: TapWin32SystemApi() from kernel32/advapi32, compiled in
// (tap_library_windows.cc). Linux: libtapwindowsemu.so, opened with dlopen and looked up by name
// (tap_library_posix.cc), since the emulator is a test tool the addon must not link against.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tap_windows_api.h"

namespace magma::tap {

// Which call failed in this thread's last CreateAdapter, DeleteAdapter or SetAdapterEnabled on
// Windows (several SetupAPI calls stand behind each), and what it acted on. `call` is a string
// literal.
struct TapControlFailure {
  const char* call = "";
  std::string detail;
};

// The emulator's exports beyond the Win32 table (tools/tap-windows-emu/include/tap_windows_emu.h).
// On Windows CreateAdapter, DeleteAdapter and SetAdapterEnabled are SetupAPI's, as tapctl uses it
// (tap_setupapi_windows.h), and LastFailure names the failing call; the rest are null there.
struct TapAdapterControls {
  DWORD (*CreateAdapter)(const WCHAR* name, const char* componentId, char* guidOut) = nullptr;
  DWORD (*DeleteAdapter)(const char* guid) = nullptr;
  // Null on Linux, where the emulator's export is the call that failed.
  const TapControlFailure* (*LastFailure)() = nullptr;
  DWORD (*SetAdapterEnabled)(const char* guid, bool enabled) = nullptr;
  bool (*GetInterfaceName)(const char* guid, char ifname[16]) = nullptr;
  // Test hooks of the emulator: the version GET_VERSION reports, and reads that behave as if
  // their buffers were `bytes` long (ERROR_MORE_DATA for longer packets, B.5).
  void (*SetDriverVersion)(uint32_t major, uint32_t minor, uint32_t debug) = nullptr;
  bool (*FaultLimitReadBuffers)(const char* guid, uint32_t bytes) = nullptr;
};

struct TapLibrary {
  const TapWin32Api* api = nullptr;
  TapAdapterControls controls;
};

struct TapLibraryLoad {
  std::shared_ptr<const TapLibrary> library;  // null on failure
  uint32_t win32_code = 0;
  std::string call;    // "dlopen" or "dlsym"
  std::string detail;  // the loader's message, or the missing export
};

// Linux: `path` is the emulator library (the caller resolves the default). Windows: `path` is
// ignored; the table is the system's. Loaded libraries are cached by path and never unloaded:
// adapters the emulator made live in it for the life of the process.
TapLibraryLoad LoadTapLibrary(const std::string& path);

}  // namespace magma::tap
