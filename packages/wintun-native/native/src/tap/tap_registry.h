// The TAP-Windows adapters the registry lists, found as OpenVPN's get_tap_reg and get_panel_reg
// find them (reference B.1), through the function table's Reg* calls only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tap_windows_api.h"

namespace magma::tap {

struct TapRegistryEntry {
  std::u16string component_id;  // as the registry spells it: "tap0901" or "root\tap0901"
  std::string guid;             // NetCfgInstanceId, "{XXXXXXXX-...}"
  std::u16string name;          // Connection\Name; empty when the value is missing
  bool has_name = false;
};

struct RegistryFailure {
  uint32_t win32_code = 0;
  const char* call = "";
};

// Every class-key instance whose ComponentId is exactly tap0901 or root\tap0901 (case aside).
// Subkeys that do not open and values that are missing are skipped, as OpenVPN skips them
// (B.1.1); only a class key that cannot be opened or enumerated fails the whole listing.
bool ReadTapRegistry(const TapWin32Api& api, std::vector<TapRegistryEntry>& entries,
                     RegistryFailure& failure);

}  // namespace magma::tap
