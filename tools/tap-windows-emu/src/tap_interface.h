// The Linux side of an emulated adapter: an IFF_TAP | IFF_NO_PI interface whose MAC is the
// adapter's, so frames the kernel sends carry the source address the driver's stack would use,
// and frames the driver synthesises (TUN mode) are addressed to it. Its carrier is the media
// status (SET_MEDIA_STATUS, "Network cable unplugged" while off); it is administratively up from
// creation so addresses can be configured before anyone opens the device, as on Windows.
#pragma once

#include <cstdint>
#include <string>

namespace tap_emu {

struct TapInterface {
  int fd = -1;  // non-blocking; closing it removes the interface
  std::string name;
  uint32_t error = 0;  // Win32 code when fd < 0
};

// `name` if it is a valid interface name and free, else the kernel's next "tapN".
TapInterface createTapInterface(const std::string &name, const uint8_t mac[6], uint32_t mtu);

}  // namespace tap_emu
