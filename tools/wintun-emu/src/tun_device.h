// The Linux side of an adapter: one /dev/net/tun file (IFF_TUN | IFF_NO_PI, non-blocking) whose
// interface lives as long as the file is open. Administratively up from creation; its carrier
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
};

// Tries `preferredName` (when not empty) and falls back to a kernel-numbered "wintun%d" name
// when that name is taken.
TunOpenResult openTunInterface(const std::string &preferredName);
// Carrier on or off (TUNSETCARRIER), returning once the kernel has applied it: after `on` it
// transmits through the interface. Returns false if the interface is gone.
bool setTunCarrier(int fd, bool on);
// Whether the interface still exists (it is deleted by `ip link del` or namespace teardown).
bool tunInterfaceAttached(int fd);
// Reads and discards whatever the kernel queued while no session was reading.
void discardQueuedPackets(int fd);
// Whether the process may create TUN interfaces: CAP_NET_ADMIN in its effective set.
bool processHasNetAdmin();

}  // namespace wintun_emu
