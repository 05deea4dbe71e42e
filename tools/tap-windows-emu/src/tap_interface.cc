#include "tap_interface.h"

#include <fcntl.h>
#include <net/if.h>  // before <linux/if.h>, whose libc-compat then defers to it
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tap_windows_api.h"
#include "tun_device.h"  // tools/wintun-emu: carrier control and the CAP_NET_ADMIN check

namespace tap_emu {

namespace {

bool validInterfaceName(const std::string &name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
  for (char c : name) {
    if (c == '/' || c == ':' || c == '%' || static_cast<unsigned char>(c) <= ' ' ||
        static_cast<unsigned char>(c) >= 0x7F) {
      return false;
    }
  }
  return true;
}

int attachTap(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -errno;
  ifreq request{};
  request.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
  std::snprintf(request.ifr_name, IFNAMSIZ, "%s", name);
  if (ioctl(fd, TUNSETIFF, &request) != 0) {
    int error = errno;
    close(fd);
    return -error;
  }
  return fd;
}

bool configure(const char *name, const uint8_t mac[6], uint32_t mtu) {
  int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (control < 0) return false;
  ifreq request{};
  std::snprintf(request.ifr_name, IFNAMSIZ, "%s", name);
  request.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  std::memcpy(request.ifr_hwaddr.sa_data, mac, 6);
  bool ok = ioctl(control, SIOCSIFHWADDR, &request) == 0;
  request.ifr_mtu = static_cast<int>(mtu > 65535 ? 65535 : mtu);  // Linux caps Ethernet at 65535
  ok = ok && ioctl(control, SIOCSIFMTU, &request) == 0;
  ok = ok && ioctl(control, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  ok = ok && ioctl(control, SIOCSIFFLAGS, &request) == 0;
  close(control);
  return ok;
}

}  // namespace

TapInterface createTapInterface(const std::string &name, const uint8_t mac[6], uint32_t mtu) {
  TapInterface made;
  if (!wintun_emu::processHasNetAdmin()) {
    made.error = ERROR_ACCESS_DENIED;
    return made;
  }
  int fd = validInterfaceName(name) ? attachTap(name.c_str()) : -EINVAL;
  if (fd < 0) fd = attachTap("tap%d");  // the name is taken or unusable: let the kernel number it
  if (fd < 0) {
    made.error = fd == -EPERM || fd == -EACCES ? ERROR_ACCESS_DENIED : ERROR_GEN_FAILURE;
    return made;
  }
  ifreq names{};
  if (ioctl(fd, TUNGETIFF, &names) != 0 || !wintun_emu::setTunCarrier(fd, false) ||
      !configure(names.ifr_name, mac, mtu)) {
    close(fd);
    made.error = ERROR_GEN_FAILURE;
    return made;
  }
  names.ifr_name[IFNAMSIZ - 1] = '\0';
  made.fd = fd;
  made.name = names.ifr_name;
  return made;
}

}  // namespace tap_emu
