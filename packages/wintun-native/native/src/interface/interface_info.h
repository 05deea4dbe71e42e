// What the operating system itself knows about an adapter's interface, found by its NET_LUID: its
// index and name, to find it in `ip link` or Get-NetAdapter, and its own traffic counters, which
// see the packets lost before they reach the session (a full ring, a full kernel queue).
// Windows: IP Helper's ConvertInterfaceLuidTo* and GetIfEntry2 (interface_info_windows.cc).
// Linux: the kernel interface whose index the emulator puts in the LUID, its rtnetlink
// IFLA_STATS64, and the discards of the emulated driver, which the kernel cannot see
// (interface_info_linux.cc). One call each; nothing per packet.
#pragma once

#include <cstdint>
#include <string>

#include "../library/wintun_library.h"

namespace magma::wintun {

// "rx" and "tx" are the interface's own view, as `ip -s link` and GetIfEntry2 (In/Out) count:
// rx is what the system received through the adapter, that is what the application sent; tx is
// what the system sent into the adapter toward the application.
struct InterfaceStatistics {
  uint64_t rx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t rx_dropped = 0;
  uint64_t rx_errors = 0;
  uint64_t tx_packets = 0;
  uint64_t tx_bytes = 0;
  uint64_t tx_dropped = 0;
  uint64_t tx_errors = 0;
};

struct InterfaceFailure {
  uint32_t win32_code = 0;
  const char* call = "";  // the system call that failed
};

bool InterfaceIndexOf(uint64_t luid, uint32_t& index, InterfaceFailure& failure);
#ifndef _WIN32
// The LUID the emulators give a Linux interface, the inverse of the index lookups here.
uint64_t LuidOfInterfaceIndex(uint32_t index);
#endif
// UTF-8: the alias on Windows (Get-NetAdapter's Name), the interface name on Linux.
bool InterfaceNameOf(uint64_t luid, std::string& name, InterfaceFailure& failure);
// `api` and `adapter` find the emulated driver's own discards on Linux; Windows ignores them.
bool ReadInterfaceStatistics(const WintunApi& api, WINTUN_ADAPTER_HANDLE adapter, uint64_t luid,
                             InterfaceStatistics& statistics, InterfaceFailure& failure);

}  // namespace magma::wintun
