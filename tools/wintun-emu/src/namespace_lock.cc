#include "namespace_lock.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace wintun_emu {

NamespaceLock &NamespaceLock::operator=(NamespaceLock &&other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

int NamespaceLock::bindName(const std::string &name) {
  release();
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // A leading NUL puts the name in the abstract namespace: no file, gone with the socket.
  std::string abstractName = "wintun-emu:" + name;
  size_t length = std::min(abstractName.size(), sizeof address.sun_path - 1);
  std::memcpy(address.sun_path + 1, abstractName.data(), length);
  auto addressLength = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + length);
  if (bind(fd, reinterpret_cast<const sockaddr *>(&address), addressLength) != 0) {
    int error = errno;
    close(fd);
    return error;
  }
  fd_ = fd;
  return 0;
}

bool NamespaceLock::take(const std::string &name) {
  const timespec pause{0, 1'000'000};
  int result;
  while ((result = bindName(name)) == EADDRINUSE) nanosleep(&pause, nullptr);
  return result == 0;
}

bool NamespaceLock::heldByAnyone(const std::string &name) {
  NamespaceLock probe;
  return probe.bindName(name) == EADDRINUSE;  // a successful probe releases it at once
}

void NamespaceLock::release() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

}  // namespace wintun_emu
