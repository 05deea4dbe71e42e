#include <net/if.h>

#include "../interface/interface_info.h"
#include "tap_interface.h"

namespace magma::tap {

bool FindTapInterface(const TapLibrary& library, const std::string& guid, TapInterface& found) {
  char ifname[IF_NAMESIZE] = {};
  static_assert(IF_NAMESIZE == 16, "TapEmuGetInterfaceName writes 16 bytes");
  // LoadTapLibrary found this export, or the library did not load.
  if (!library.controls.GetInterfaceName(guid.c_str(), ifname)) return false;
  unsigned index = if_nametoindex(ifname);
  if (index == 0) return false;  // gone between the two calls
  found.luid = wintun::LuidOfInterfaceIndex(index);
  found.name = ifname;
  return true;
}

}  // namespace magma::tap
