// Making, removing, enabling and disabling TAP-Windows adapters with SetupAPI, as OpenVPN's tapctl
// does (src/tapctl/tap.c: tap_create_adapter, tap_delete_adapter, tap_enable_adapter; reference
// B.1.6). Windows only.
#pragma once

#include <windows.h>

#include <string>

namespace magma::tap {

// How a step ended. `code` is a Win32 or SetupAPI code: ERROR_SUCCESS, a failure, or
// ERROR_SUCCESS_REBOOT_REQUIRED when the work is done but Windows must restart to finish it.
// `call` names the call that failed (or that asked for the restart); `detail` says what it
// acted on, for the error JavaScript receives.
struct TapSetupResult {
  DWORD code = ERROR_SUCCESS;
  const char* call = "";
  std::string detail;
};

// A root-enumerated network device with this hardware ID ("root\tap0901" as tapctl makes them,
// or "tap0901"), its driver the best compatible one installed (tap-windows6), named `name`.
// On success (and on ERROR_SUCCESS_REBOOT_REQUIRED) `guid` is its NetCfgInstanceId,
// "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}"; on failure no device is left behind.
TapSetupResult CreateTapAdapterWindows(const wchar_t* name, const wchar_t* hardware_id,
                                       std::string& guid);

// Removes the network device whose NetCfgInstanceId is `guid` (case aside), present or phantom,
// if its ComponentId is tap0901 or root\tap0901: any other device (an Ethernet card with that
// GUID) is left alone and reported as ERROR_NOT_FOUND like a GUID no device has.
TapSetupResult DeleteTapAdapterWindows(const std::string& guid);

// Enables or disables that same device (DIF_PROPERTYCHANGE, as tapctl's tap_enable_adapter); a
// disabled adapter stays listed, its device gone (a phantom, reference B.1.5).
TapSetupResult SetTapAdapterEnabledWindows(const std::string& guid, bool enabled);

}  // namespace magma::tap
