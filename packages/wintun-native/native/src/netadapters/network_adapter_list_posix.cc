// Network adapters are a Windows notion (the network setup class and its registry key). On Linux
// the CLI lists the emulator's adapters from the kernel's interfaces instead.
#include "network_adapter_list.h"

namespace magma::netadapters {

bool ListNetworkAdapters(std::vector<NetworkAdapterEntry>&, ListFailure& failure) {
  failure.win32_code = 50;  // ERROR_NOT_SUPPORTED
  failure.call = "listNetworkAdapters";
  return false;
}

}  // namespace magma::netadapters
