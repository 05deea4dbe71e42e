// The real TAP-Windows table: kernel32 and advapi32, the same calls OpenVPN's tun.c makes; and
// the adapter controls, SetupAPI as tapctl uses it, behind the emulator's signatures.
#include <windows.h>

#include <cstring>
#include <string>

#include "tap_library.h"
#include "tap_setupapi_windows.h"

namespace magma::tap {
namespace {

// The failing call of this thread's last control, as GetLastError keeps the last error: each
// JavaScript thread (main or worker) reads its own.
thread_local TapControlFailure last_failure;

DWORD Report(const TapSetupResult& result) {
  last_failure.call = result.call;
  last_failure.detail = result.detail;
  return result.code;
}

const TapControlFailure* LastFailure() { return &last_failure; }

bool EqualsIgnoringCase(const char* a, const char* b) {
  return CompareStringA(LOCALE_INVARIANT, NORM_IGNORECASE, a, -1, b, -1) == CSTR_EQUAL;
}

// `componentId` is the hardware ID the device gets: root\tap0901 as tapctl gives it (the
// default), or tap0901. deleteTapAdapter removes only devices with one of these two.
DWORD CreateAdapter(const WCHAR* name, const char* componentId, char* guidOut) {
  const char* id = componentId == nullptr ? TAP_WIN_ROOT_COMPONENT_ID : componentId;
  if (!EqualsIgnoringCase(id, TAP_WIN_ROOT_COMPONENT_ID) &&
      !EqualsIgnoringCase(id, TAP_WIN_COMPONENT_ID)) {
    TapSetupResult refused;
    refused.code = ERROR_INVALID_PARAMETER;
    refused.call = "createTapAdapter";
    refused.detail = std::string("hardware ID ") + id + " is not tap0901's";
    return Report(refused);
  }
  std::wstring hardware_id(id, id + std::strlen(id));
  std::string guid;
  TapSetupResult result = CreateTapAdapterWindows(name, hardware_id.c_str(), guid);
  // Filled also when Windows must restart: the adapter exists.
  if (!guid.empty()) std::memcpy(guidOut, guid.c_str(), guid.size() + 1);
  return Report(result);
}

DWORD DeleteAdapter(const char* guid) { return Report(DeleteTapAdapterWindows(guid)); }

DWORD SetAdapterEnabled(const char* guid, bool enabled) {
  return Report(SetTapAdapterEnabledWindows(guid, enabled));
}

}  // namespace

TapLibraryLoad LoadTapLibrary(const std::string&) {
  // A function-local static: imported addresses are no constant initializer (tap_windows_api.h).
  static const TapWin32Api system_api = TapWin32SystemApi();
  static const std::shared_ptr<const TapLibrary> library = [] {
    auto made = std::make_shared<TapLibrary>();
    made->api = &system_api;
    made->controls.CreateAdapter = &CreateAdapter;
    made->controls.DeleteAdapter = &DeleteAdapter;
    made->controls.SetAdapterEnabled = &SetAdapterEnabled;
    made->controls.LastFailure = &LastFailure;
    return std::shared_ptr<const TapLibrary>(made);
  }();
  TapLibraryLoad load;
  load.library = library;
  return load;
}

}  // namespace magma::tap
