// The system interface behind a TAP adapter, by its GUID: NET_LUID and alias on Windows
// (ConvertInterfaceGuidToLuid, as netadapters/interface_rows_windows.cc finds them, reference
// B.1.4), the emulator's Linux interface and a LUID made from its ifindex as the wintun emulator
// makes them on Linux (interface/interface_info.h). False when there is none (a phantom adapter).
#pragma once

#include <cstdint>
#include <string>

#include "tap_library.h"

namespace magma::tap {

struct TapInterface {
  uint64_t luid = 0;
  std::string name;  // UTF-8: the alias on Windows, the interface name on Linux
};

bool FindTapInterface(const TapLibrary& library, const std::string& guid, TapInterface& found);

}  // namespace magma::tap
