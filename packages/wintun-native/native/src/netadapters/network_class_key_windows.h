// The values an adapter's key under the network class key holds
// (HKLM\SYSTEM\CurrentControlSet\Control\Class\{4D36E972-E325-11CE-BFC1-08002BE10318}\NNNN).
// Windows only.
#pragma once

#include <windows.h>

#include "network_adapter_list.h"

namespace magma::netadapters {

// Fills the class-key fields of `entry` from `key`; a value that is missing or of another type
// is left empty, as OpenVPN's get_tap_reg skips it and goes on.
void ReadNetworkClassKey(HKEY key, NetworkAdapterEntry& entry);

}  // namespace magma::netadapters
