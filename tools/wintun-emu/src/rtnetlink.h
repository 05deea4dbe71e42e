// The few rtnetlink requests the emulated driver makes about its interfaces: list the
// interfaces of this network namespace (adapters of whichever process, and the rest), set an interface's
// alias (where the Wintun name lives, so every process sees it), and delete an interface.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wintun_emu {

// An interface of this namespace. An emulator's adapter is shaped as it makes them: a TUN
// (IFF_TUN, multi-queue, not persistent) with an alias. The shape alone does not prove who made
// it (adapter.cc also checks its creator's mark).
struct AdapterInterface {
  uint32_t ifIndex = 0;
  std::string name;   // the Linux interface name
  std::string alias;  // IFLA_IFALIAS: the Wintun name (interface_names.h)
  bool adapterShaped = false;
};

// Every interface in this namespace, in the kernel's order. Empty if the kernel could not be
// asked.
std::vector<AdapterInterface> listInterfaces();
// Sets IFLA_IFALIAS; returns 0 or an errno.
int setInterfaceAlias(uint32_t ifIndex, const std::string &alias);
// Deletes the interface (RTM_DELLINK); returns 0 or an errno (ENODEV when it is already gone).
int deleteInterface(uint32_t ifIndex);

}  // namespace wintun_emu
