#include <cerrno>

#include "last_error.h"
#include "wintun_api.h"

namespace magma::wintun {

uint32_t LastWin32Error() { return static_cast<uint32_t>(errno); }

void SetWin32Error(uint32_t code) { errno = static_cast<int>(code); }

uint32_t Win32FromErrno(int error) {
  switch (error) {
    case ENODEV:
    case ENXIO:
    case ENOENT:
      return WINTUN_ERROR_FILE_NOT_FOUND;
    case EPERM:
    case EACCES:
      return WINTUN_ERROR_ACCESS_DENIED;
    case ENOMEM:
    case ENOBUFS:
    case EMFILE:
    case ENFILE:
      // Out of memory or of file descriptors: the system is short of resources either way.
      return WINTUN_ERROR_NOT_ENOUGH_MEMORY;
    case EBADF:
      return WINTUN_ERROR_INVALID_HANDLE;
    default:
      return WINTUN_ERROR_GEN_FAILURE;
  }
}

void SetWin32ErrorFromErrno() { SetWin32Error(Win32FromErrno(errno)); }

}  // namespace magma::wintun
