#include <cerrno>

#include "last_error.h"
#include "wintun_api.h"

namespace magma::wintun {

uint32_t LastWin32Error() { return static_cast<uint32_t>(errno); }

void SetWin32Error(uint32_t code) { errno = static_cast<int>(code); }

void SetWin32ErrorFromErrno() {
  switch (errno) {
    case EPERM:
    case EACCES:
      SetWin32Error(WINTUN_ERROR_ACCESS_DENIED);
      break;
    case ENOMEM:
    case ENOBUFS:
    case EMFILE:
    case ENFILE:
      // Out of memory or of file descriptors: the system is short of resources either way.
      SetWin32Error(WINTUN_ERROR_NOT_ENOUGH_MEMORY);
      break;
    case EBADF:
      SetWin32Error(WINTUN_ERROR_INVALID_HANDLE);
      break;
    default:
      SetWin32Error(WINTUN_ERROR_GEN_FAILURE);
      break;
  }
}

}  // namespace magma::wintun
