// The Linux side of an adapter: a multi-queue TUN interface (IFF_TUN | IFF_NO_PI |
// IFF_MULTI_QUEUE). The creating handle keeps one file whose queue is detached at once: it only
// keeps the interface alive, as a Windows software device lives with its creator's handle. Each
// session, in whichever process of the namespace, opens a queue of its own, so the kernel hands
// every packet to the one session that runs. Administratively up from creation; its carrier
// stands for Wintun's media state (connected only while a session is registered).
#pragma once

#include <cstdint>
#include <string>

namespace wintun_emu {

struct TunOpenResult {
  int fd = -1;
  std::string interfaceName;
  uint32_t ifIndex = 0;
  uint32_t error = 0;  // Win32 code when fd < 0
  std::string failure;  // what failed, for the log
  bool nameTaken = false;  // failed because another interface has the name
};

// Creates the interface `name` ("wintun%d" lets the kernel number it); never attaches to one that
// exists (IFF_TUN_EXCL): then it fails with nameTaken. The file returned has its queue detached.
TunOpenResult createTunInterface(const std::string &name);
// A session's own queue of the adapter interface `name`, attached, non-blocking; -1 with a Win32
// code in `error` (ERROR_FILE_NOT_FOUND when that interface is gone).
int openTunQueue(const std::string &name, uint32_t ifIndex, uint32_t *error);
// Detaches a session's queue, so the kernel no longer gives it packets (false if the interface
// is gone).
bool detachTunQueue(int fd);
// Whether interface `ifIndex` still exists under `name`.
bool interfacePresent(uint32_t ifIndex, const std::string &name);
// Carrier on or off (TUNSETCARRIER), returning once the kernel has applied it: after `on` it
// transmits through the interface. Returns false if the interface is gone.
bool setTunCarrier(int fd, bool on);
// Whether the process may create TUN interfaces: CAP_NET_ADMIN in its effective set.
bool processHasNetAdmin();

}  // namespace wintun_emu
