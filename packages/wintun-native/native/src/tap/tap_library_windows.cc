// The real TAP-Windows table: kernel32 and advapi32, the same calls OpenVPN's tun.c makes.
#include <windows.h>

#include "tap_library.h"

namespace magma::tap {

TapLibraryLoad LoadTapLibrary(const std::string&) {
  // A function-local static: imported addresses are no constant initializer (tap_windows_api.h).
  static const TapWin32Api system_api = TapWin32SystemApi();
  static const std::shared_ptr<const TapLibrary> library = [] {
    auto made = std::make_shared<TapLibrary>();
    made->api = &system_api;
    return std::shared_ptr<const TapLibrary>(made);
  }();
  TapLibraryLoad load;
  load.library = library;
  return load;
}

}  // namespace magma::tap
