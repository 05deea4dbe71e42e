#include <cerrno>

#include "last_error.h"

namespace magma::wintun {

uint32_t LastWin32Error() { return static_cast<uint32_t>(errno); }

}  // namespace magma::wintun
