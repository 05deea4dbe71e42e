// Where one memory-pool slot lives: a pointer into a slab ArrayBuffer (which never moves and is
// kept alive by the session binding) and the slot's size.
#pragma once

#include <cstdint>

namespace magma::wintun {

struct SlotMemory {
  uint8_t* data = nullptr;
  uint32_t capacity = 0;
};

}  // namespace magma::wintun
