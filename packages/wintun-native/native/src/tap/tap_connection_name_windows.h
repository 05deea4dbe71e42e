// Naming a network connection as OpenVPN's tapctl names a new adapter (tap_set_adapter_name):
// the current name from Connection\Name under the network connections key (reference B.1.4),
// then `netsh interface set interface name="<current>" newname="<name>"`, which renames the
// interface alias as well as the registry value. Windows only.
#pragma once

#include <string>

#include "tap_setupapi_windows.h"

namespace magma::tap {

// `guid` is the adapter's NetCfgInstanceId. Waits, bounded, for a new adapter's Connection key
// to appear; a connection already named `name` is left as it is.
TapSetupResult SetTapConnectionName(const std::string& guid, const wchar_t* name);

}  // namespace magma::tap
