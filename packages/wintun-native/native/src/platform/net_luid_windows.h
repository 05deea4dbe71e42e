// The NET_LUID IP Helper calls take, from the 64-bit LUID wintun reports (WintunGetAdapterLUID).
// Windows only: include after <netioapi.h>.
#pragma once

#include <cstdint>

namespace magma {

inline NET_LUID NetLuidOf(uint64_t value) {
  NET_LUID luid;
  luid.Value = value;
  return luid;
}

}  // namespace magma
