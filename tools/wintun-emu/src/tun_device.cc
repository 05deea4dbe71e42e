#include "tun_device.h"

#include <fcntl.h>
#include <net/if.h>  // before <linux/if.h>, whose libc-compat then defers to it
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "wintun_api.h"

namespace wintun_emu {

namespace {

void copyName(ifreq &request, const char *name) {
  std::snprintf(request.ifr_name, IFNAMSIZ, "%s", name);
}

uint32_t win32FromErrno(int error) {
  switch (error) {
    case EPERM:
    case EACCES:
      return WINTUN_ERROR_ACCESS_DENIED;
    case ENOMEM:
    case ENOBUFS:
      return WINTUN_ERROR_NOT_ENOUGH_MEMORY;
    default:
      return WINTUN_ERROR_DEVICE_NOT_AVAILABLE;
  }
}

constexpr int kTunFlags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;

int attach(int fd, const char *name, int extraFlags) {
  ifreq request{};
  request.ifr_flags = static_cast<short>(kTunFlags | extraFlags);
  copyName(request, name);
  if (ioctl(fd, TUNSETIFF, &request) != 0) return -errno;
  return 0;
}

bool setQueue(int fd, int flag) {
  ifreq request{};
  request.ifr_flags = static_cast<short>(flag);
  return ioctl(fd, TUNSETQUEUE, &request) == 0;
}

uint32_t indexOf(const char *name) {
  int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (control < 0) return 0;
  ifreq index{};
  copyName(index, name);
  uint32_t found =
      ioctl(control, SIOCGIFINDEX, &index) == 0 ? static_cast<uint32_t>(index.ifr_ifindex) : 0;
  close(control);
  return found;
}

bool setInterfaceUp(const char *name) {
  int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (control < 0) return false;
  ifreq request{};
  copyName(request, name);
  bool ok = ioctl(control, SIOCGIFFLAGS, &request) == 0;
  if (ok) {
    request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
    ok = ioctl(control, SIOCSIFFLAGS, &request) == 0;
  }
  close(control);
  return ok;
}

}  // namespace

TunOpenResult createTunInterface(const std::string &name) {
  TunOpenResult result;
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    result.error = win32FromErrno(error);
    result.failure = std::string("Failed to open /dev/net/tun: ") + std::strerror(error);
    return result;
  }
  int attached = attach(fd, name.c_str(), IFF_TUN_EXCL);
  if (attached != 0) {
    // A name held by another interface: EBUSY (any device, with IFF_TUN_EXCL), EEXIST or EINVAL.
    result.nameTaken = attached == -EBUSY || attached == -EEXIST || attached == -EINVAL;
    result.error = win32FromErrno(-attached);
    result.failure = std::string("Failed to create TUN interface: ") + std::strerror(-attached);
    close(fd);
    return result;
  }
  ifreq names{};
  if (ioctl(fd, TUNGETIFF, &names) != 0) {
    int error = errno;
    result.error = win32FromErrno(error);
    result.failure = std::string("Failed to read TUN interface name: ") + std::strerror(error);
    close(fd);
    return result;
  }
  names.ifr_name[IFNAMSIZ - 1] = '\0';
  result.interfaceName = names.ifr_name;
  // Media disconnected until a session starts; administratively up so addresses and routes can
  // be configured beforehand, as on Windows. Then the creator's queue steps aside for sessions.
  if (!setTunCarrier(fd, false) || !setInterfaceUp(names.ifr_name) ||
      !setQueue(fd, IFF_DETACH_QUEUE)) {
    int error = errno;
    result.error = win32FromErrno(error);
    result.failure = std::string("Failed to configure TUN interface: ") + std::strerror(error);
    close(fd);
    return result;
  }
  result.ifIndex = indexOf(names.ifr_name);
  if (result.ifIndex == 0) {
    result.error = WINTUN_ERROR_DEVICE_NOT_AVAILABLE;
    result.failure = "Failed to read the TUN interface index";
    close(fd);
    return result;
  }
  result.fd = fd;
  return result;
}

int openTunQueue(const std::string &name, uint32_t ifIndex, uint32_t *error) {
  // TUNSETIFF makes a new interface when the name is free: look first, and check after.
  if (!interfacePresent(ifIndex, name)) {
    *error = WINTUN_ERROR_FILE_NOT_FOUND;
    return -1;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    *error = win32FromErrno(errno);
    return -1;
  }
  int attached = attach(fd, name.c_str(), 0);
  if (attached != 0 || indexOf(name.c_str()) != ifIndex) {
    // Gone in between (or replaced): closing also removes an interface this call made.
    *error = attached == -EPERM || attached == -EACCES ? WINTUN_ERROR_ACCESS_DENIED
                                                      : WINTUN_ERROR_FILE_NOT_FOUND;
    close(fd);
    return -1;
  }
  return fd;
}

bool detachTunQueue(int fd) { return setQueue(fd, IFF_DETACH_QUEUE); }

bool interfacePresent(uint32_t ifIndex, const std::string &name) {
  char found[IF_NAMESIZE];
  return if_indextoname(ifIndex, found) != nullptr && name == found;
}

bool setTunCarrier(int fd, bool on) {
  int carrier = on ? 1 : 0;
  if (ioctl(fd, TUNSETCARRIER, &carrier) != 0) return false;
  // The kernel applies a carrier change later, in its link-watch work (up to a second later for
  // carrier off); until then a new carrier drops every packet. ETHTOOL_GLINK runs that pending
  // work for this interface synchronously (ethtool_op_get_link -> linkwatch_sync_dev), so the
  // link is really up or down when this returns.
  ifreq names{};
  if (ioctl(fd, TUNGETIFF, &names) != 0) return false;
  int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (control < 0) return false;
  ethtool_value link{};
  link.cmd = ETHTOOL_GLINK;
  ifreq request{};
  copyName(request, names.ifr_name);
  request.ifr_data = reinterpret_cast<char *>(&link);
  bool synced = ioctl(control, SIOCETHTOOL, &request) == 0 && (link.data != 0) == on;
  close(control);
  return synced;
}

bool processHasNetAdmin() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  return (data[CAP_NET_ADMIN / 32].effective & (1u << (CAP_NET_ADMIN % 32))) != 0;
}

}  // namespace wintun_emu
