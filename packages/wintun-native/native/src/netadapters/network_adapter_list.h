// The network adapters Windows has installed: every device of the network class ("Net",
// {4D36E972-E325-11CE-BFC1-08002BE10318}), with the values of its key under that class's
// registry key, which is where Windows' network setup and the drivers keep an adapter's identity
// (ComponentId, NetCfgInstanceId, NetLuidIndex, *IfType, DriverVersion), and the interface IP
// Helper knows for its GUID. One enumeration serves every backend: wintun adapters are the
// devices with hardware ID "Wintun" (and carry wintun's name property), TAP-Windows adapters the
// ones whose ComponentId is tap0901. Windows only; elsewhere the call fails with
// ERROR_NOT_SUPPORTED (network_adapter_list_posix.cc). Called on request, never per packet.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace magma::netadapters {

struct UnicastAddress {
  int family = 4;  // 4 or 6
  uint8_t bytes[16] = {};
  uint8_t prefix_length = 0;
};

// The interface IP Helper has for an adapter's GUID (ConvertInterfaceGuidToLuid, GetIfEntry2).
struct InterfaceRow {
  uint64_t luid = 0;
  uint32_t index = 0;
  std::string alias;  // UTF-8: the name Network Connections and Get-NetAdapter show
  uint32_t mtu = 0;
  uint32_t oper_status = 0;           // IF_OPER_STATUS: 1 up, 2 down, 7 lower layer down...
  uint32_t media_connect_state = 0;   // NET_IF_MEDIA_CONNECT_STATE: 0 unknown, 1 connected, 2 not
  std::vector<UnicastAddress> addresses;
};

struct NetworkAdapterEntry {
  std::string instance_id;                // "SWD\Wintun\{...}", "ROOT\NET\0000"
  std::vector<std::string> hardware_ids;  // SPDRP_HARDWAREID
  bool present = false;                   // listed with DIGCF_PRESENT: the device exists now
  bool has_wintun_name = false;
  std::string wintun_name;                // DEVPKEY_Wintun_Name, what WintunOpenAdapter matches
  // The device's key under the network class key (SetupDiOpenDevRegKey DIREG_DRV). A key that
  // cannot be opened (another user's, half installed) leaves these empty, as OpenVPN skips it.
  bool class_key_read = false;
  std::string component_id;
  std::string net_cfg_instance_id;  // the interface GUID, "{...}"
  std::string driver_version;
  std::string driver_description;
  bool has_luid_index = false;
  uint32_t net_luid_index = 0;
  uint32_t if_type = 0;
  // The interface; interface_status is the Win32 code of the lookup that found none (0: found).
  bool has_interface = false;
  uint32_t interface_status = 0;
  InterfaceRow row;
};

struct ListFailure {
  uint32_t win32_code = 0;
  const char* call = "";
};

bool ListNetworkAdapters(std::vector<NetworkAdapterEntry>& entries, ListFailure& failure);

}  // namespace magma::netadapters
