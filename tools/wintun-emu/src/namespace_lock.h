// A lock shared by every process of this network namespace: an abstract Unix socket bound to a
// name. Binding is atomic, the namespace scopes it as Linux scopes the interfaces it guards, and
// the kernel releases it when the socket closes, also when its process dies, so a crashed holder
// never leaves it taken (as a Windows mutex is abandoned). Two of them stand in for what is
// system-wide on Windows: wintun.dll's device-installation mutex, and the driver's rule of one
// ring registration per adapter.
#pragma once

#include <string>

namespace wintun_emu {

class NamespaceLock {
 public:
  NamespaceLock() = default;
  ~NamespaceLock() { release(); }
  NamespaceLock(NamespaceLock &&other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  NamespaceLock &operator=(NamespaceLock &&other) noexcept;
  NamespaceLock(const NamespaceLock &) = delete;
  NamespaceLock &operator=(const NamespaceLock &) = delete;

  // Takes the lock called `name` if nobody holds it; false when someone does (or no socket).
  bool tryTake(const std::string &name) { return bindName(name) == 0; }
  // Takes it, waiting as long as someone holds it: it polls every millisecond, since a bound name
  // cannot be waited for. False only when no socket could be made (out of descriptors).
  bool take(const std::string &name);
  void release();
  bool held() const { return fd_ >= 0; }
  // Whether some socket, of any process of the namespace, holds `name` now.
  static bool heldByAnyone(const std::string &name);

 private:
  // 0, EADDRINUSE when another socket holds the name, or another errno.
  int bindName(const std::string &name);

  int fd_ = -1;
};

}  // namespace wintun_emu
