// Adapter IP configuration keyed by NET_LUID: the calls behind `adapter.configure()`.
// Windows implements them with IP Helper (ip_configuration_windows.cc), Linux with rtnetlink
// (ip_configuration_linux.cc). Every call returns a Win32 status (NETIO_STATUS on Windows, errno
// mapped to the same codes on Linux) so the TypeScript decisions above are one code path.
#pragma once

#include <cstdint>
#include <string>

namespace magma::ipconfig {

struct IpPrefix {
  int family = 4;  // 4 or 6
  uint8_t bytes[16] = {};
  uint8_t prefix_length = 0;
};

uint32_t AddUnicastAddress(uint64_t luid, const IpPrefix& address);
uint32_t DeleteUnicastAddress(uint64_t luid, const IpPrefix& address);
// next_hop == nullptr: on-link (0.0.0.0 or ::), right for a point-to-point tunnel.
uint32_t AddRoute(uint64_t luid, const IpPrefix& destination, const IpPrefix* next_hop,
                  uint32_t metric);
uint32_t DeleteRoute(uint64_t luid, const IpPrefix& destination, const IpPrefix* next_hop);
uint32_t SetInterfaceMtu(uint64_t luid, int family, uint32_t mtu);
// One family's resolvers and the search list, each comma-separated ASCII text (addresses and
// letter-digit-hyphen names, checked in TypeScript), replacing what the interface had; empty
// strings clear them. Windows: SetInterfaceDnsSettings, ERROR_PROC_NOT_FOUND before Windows 10
// 2004. Linux: ERROR_NOT_SUPPORTED (its DNS settings belong to systemd-resolved, which the
// TypeScript side reaches over D-Bus).
uint32_t SetDnsSettings(uint64_t luid, int family, const std::string& servers,
                        const std::string& search_list);

}  // namespace magma::ipconfig
