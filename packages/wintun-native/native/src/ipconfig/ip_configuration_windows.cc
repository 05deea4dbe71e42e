// IP Helper behind `adapter.configure()` on Windows, keyed by the adapter's NET_LUID; never netsh.
// Each call returns its NETIO_STATUS (a Win32 code returned directly, not through GetLastError).
#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <cstring>
#include <string>

#include "../platform/net_luid_windows.h"
#include "ip_configuration.h"


// The layouts this file hands to iphlpapi.dll, pinned for x64 (the only Windows target we build).
static_assert(sizeof(NET_LUID) == 8, "NET_LUID");
static_assert(sizeof(SOCKADDR_INET) == 28, "SOCKADDR_INET");
static_assert(sizeof(IP_ADDRESS_PREFIX) == 32, "IP_ADDRESS_PREFIX");
static_assert(sizeof(MIB_UNICASTIPADDRESS_ROW) == 80, "MIB_UNICASTIPADDRESS_ROW");
static_assert(offsetof(MIB_UNICASTIPADDRESS_ROW, InterfaceLuid) == 32, "row.InterfaceLuid");
static_assert(offsetof(MIB_UNICASTIPADDRESS_ROW, DadState) == 64, "row.DadState");
static_assert(sizeof(MIB_IPFORWARD_ROW2) == 104, "MIB_IPFORWARD_ROW2");
static_assert(offsetof(MIB_IPFORWARD_ROW2, NextHop) == 44, "route.NextHop");
static_assert(offsetof(MIB_IPFORWARD_ROW2, Metric) == 84, "route.Metric");
static_assert(sizeof(MIB_IPINTERFACE_ROW) == 168, "MIB_IPINTERFACE_ROW");
static_assert(offsetof(MIB_IPINTERFACE_ROW, SitePrefixLength) == 144, "if.SitePrefixLength");
static_assert(offsetof(MIB_IPINTERFACE_ROW, NlMtu) == 152, "if.NlMtu");

// DNS_INTERFACE_SETTINGS (netioapi.h of the Windows SDK, version 1), which mingw-w64's headers
// lack: declared here and pinned to the SDK's x64 layout.
struct MagmaDnsInterfaceSettings {
  ULONG Version;
  ULONG64 Flags;
  PWSTR Domain;
  PWSTR NameServer;
  PWSTR SearchList;
  ULONG RegistrationEnabled;
  ULONG RegisterAdapterName;
  ULONG EnableLLMNR;
  ULONG QueryAdapterName;
  PWSTR ProfileNameServer;
};
static_assert(sizeof(MagmaDnsInterfaceSettings) == 64, "DNS_INTERFACE_SETTINGS");
static_assert(offsetof(MagmaDnsInterfaceSettings, Flags) == 8, "dns.Flags");
static_assert(offsetof(MagmaDnsInterfaceSettings, NameServer) == 24, "dns.NameServer");
static_assert(offsetof(MagmaDnsInterfaceSettings, SearchList) == 32, "dns.SearchList");
static_assert(offsetof(MagmaDnsInterfaceSettings, ProfileNameServer) == 56, "dns.ProfileNameServer");

namespace magma::ipconfig {
namespace {

void WriteAddress(SOCKADDR_INET& target, const IpPrefix& address) {
  std::memset(&target, 0, sizeof target);
  if (address.family == 6) {
    target.Ipv6.sin6_family = AF_INET6;
    std::memcpy(&target.Ipv6.sin6_addr, address.bytes, 16);
  } else {
    target.Ipv4.sin_family = AF_INET;
    std::memcpy(&target.Ipv4.sin_addr, address.bytes, 4);
  }
}

void WriteUnspecifiedAddress(SOCKADDR_INET& target, int family) {
  std::memset(&target, 0, sizeof target);
  target.si_family = family == 6 ? AF_INET6 : AF_INET;
}

MIB_IPFORWARD_ROW2 RouteRow(uint64_t luid, const IpPrefix& destination, const IpPrefix* next_hop) {
  MIB_IPFORWARD_ROW2 row;
  InitializeIpForwardEntry(&row);
  row.InterfaceLuid = NetLuidOf(luid);
  WriteAddress(row.DestinationPrefix.Prefix, destination);
  row.DestinationPrefix.PrefixLength = destination.prefix_length;
  if (next_hop != nullptr) {
    WriteAddress(row.NextHop, *next_hop);
  } else {
    WriteUnspecifiedAddress(row.NextHop, destination.family);
  }
  return row;
}

constexpr ULONG kDnsInterfaceSettingsVersion1 = 1;
constexpr ULONG64 kDnsSettingIpv6 = 0x1;
constexpr ULONG64 kDnsSettingNameServer = 0x2;
constexpr ULONG64 kDnsSettingSearchList = 0x4;

// The interface GUID is passed by value: the compiler lays it out as the platform's ABI wants
// (a hidden pointer on x64, registers on arm64), which a pointer parameter would get wrong.
using SetInterfaceDnsSettingsFunction = DWORD(WINAPI*)(GUID, const MagmaDnsInterfaceSettings*);

// Looked up at call time: iphlpapi.dll exports it from Windows 10 2004 on; older systems get
// ERROR_PROC_NOT_FOUND instead of an addon that fails to load.
SetInterfaceDnsSettingsFunction SetInterfaceDnsSettingsExport() {
  HMODULE iphlpapi = GetModuleHandleW(L"iphlpapi.dll");
  if (iphlpapi == nullptr) return nullptr;
  return reinterpret_cast<SetInterfaceDnsSettingsFunction>(
      reinterpret_cast<void*>(GetProcAddress(iphlpapi, "SetInterfaceDnsSettings")));
}

// The text is ASCII (checked in TypeScript), so widening each byte is the UTF-16 conversion.
std::wstring Widen(const std::string& text) { return std::wstring(text.begin(), text.end()); }

}  // namespace

uint32_t AddUnicastAddress(uint64_t luid, const IpPrefix& address) {
  MIB_UNICASTIPADDRESS_ROW row;
  InitializeUnicastIpAddressEntry(&row);
  row.InterfaceLuid = NetLuidOf(luid);
  WriteAddress(row.Address, address);
  row.OnLinkPrefixLength = address.prefix_length;
  // Usable at once: a tunnel has no one to detect a duplicate with (wireguard does the same).
  row.DadState = IpDadStatePreferred;
  return CreateUnicastIpAddressEntry(&row);
}

uint32_t DeleteUnicastAddress(uint64_t luid, const IpPrefix& address) {
  MIB_UNICASTIPADDRESS_ROW row;
  InitializeUnicastIpAddressEntry(&row);
  row.InterfaceLuid = NetLuidOf(luid);
  WriteAddress(row.Address, address);
  return DeleteUnicastIpAddressEntry(&row);
}

uint32_t AddRoute(uint64_t luid, const IpPrefix& destination, const IpPrefix* next_hop,
                  uint32_t metric) {
  MIB_IPFORWARD_ROW2 row = RouteRow(luid, destination, next_hop);
  row.Metric = metric;
  row.Protocol = static_cast<NL_ROUTE_PROTOCOL>(MIB_IPPROTO_NETMGMT);
  return CreateIpForwardEntry2(&row);
}

uint32_t DeleteRoute(uint64_t luid, const IpPrefix& destination, const IpPrefix* next_hop) {
  MIB_IPFORWARD_ROW2 row = RouteRow(luid, destination, next_hop);
  // Fill in the rest of the key as the system holds it; absent means ERROR_NOT_FOUND.
  DWORD status = GetIpForwardEntry2(&row);
  if (status != NO_ERROR) return status;
  return DeleteIpForwardEntry2(&row);
}

uint32_t SetInterfaceMtu(uint64_t luid, int family, uint32_t mtu) {
  MIB_IPINTERFACE_ROW row;
  InitializeIpInterfaceEntry(&row);
  row.Family = family == 6 ? AF_INET6 : AF_INET;
  row.InterfaceLuid = NetLuidOf(luid);
  // ERROR_NOT_FOUND here means the family is not bound yet; the caller retries.
  DWORD status = GetIpInterfaceEntry(&row);
  if (status != NO_ERROR) return status;
  row.NlMtu = mtu;
  // Get may return a SitePrefixLength that Set rejects (OpenVPN and wireguard both clamp it).
  if (family == 4) {
    row.SitePrefixLength = 0;
  } else if (row.SitePrefixLength > 128) {
    row.SitePrefixLength = 128;
  }
  return SetIpInterfaceEntry(&row);
}

uint32_t SetDnsSettings(uint64_t luid, int family, const std::string& servers,
                        const std::string& search_list) {
  SetInterfaceDnsSettingsFunction set_dns = SetInterfaceDnsSettingsExport();
  if (set_dns == nullptr) return ERROR_PROC_NOT_FOUND;
  NET_LUID net_luid = NetLuidOf(luid);
  GUID guid;
  DWORD status = ConvertInterfaceLuidToGuid(&net_luid, &guid);
  if (status != NO_ERROR) return status;
  std::wstring name_server = Widen(servers);
  std::wstring search = Widen(search_list);
  // Only the fields whose flag is set may be filled; the rest stay zero. Empty strings clear.
  MagmaDnsInterfaceSettings settings = {};
  settings.Version = kDnsInterfaceSettingsVersion1;
  settings.Flags = kDnsSettingNameServer | kDnsSettingSearchList | (family == 6 ? kDnsSettingIpv6 : 0);
  settings.NameServer = name_server.data();
  settings.SearchList = search.data();
  return set_dns(guid, &settings);
}

}  // namespace magma::ipconfig
