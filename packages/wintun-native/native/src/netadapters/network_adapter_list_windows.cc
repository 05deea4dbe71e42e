// The devices of the network setup class, through SetupAPI, as wintun itself finds its adapters
// (api/adapter.c: SetupDiGetClassDevsExW on GUID_DEVCLASS_NET, SetupDiOpenDevRegKey DIREG_DRV for
// NetCfgInstanceId / NetLuidIndex / *IfType, SetupDiGetDevicePropertyW for its name property).
// SetupAPI opens for each device exactly its key under the class key, so this is the enumeration
// of that key OpenVPN does by hand (get_tap_reg), joined to the device it belongs to.
#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <setupapi.h>
#include <devpropdef.h>

#include <algorithm>
#include <string>
#include <vector>

#include "interface_rows_windows.h"
#include "network_adapter_list.h"
#include "network_class_key_windows.h"
#include "wide_text_windows.h"

namespace magma::netadapters {
namespace {

// GUID_DEVCLASS_NET (devguid.h), spelled out so that no uuid library is linked.
const GUID kNetClass = {0x4d36e972, 0xe325, 0x11ce, {0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18}};

// DEVPKEY_Wintun_Name (wintun api/adapter.c): the name an adapter was created with, which
// WintunOpenAdapter compares, ignoring case, with the name it is given.
const DEVPROPKEY kWintunName = {
    {0x3361c968, 0x2f2e, 0x4660, {0xb4, 0x7e, 0x69, 0x9c, 0xdc, 0x4c, 0x32, 0xb9}},
    DEVPROPID_FIRST_USABLE + 1};

// MAX_ADAPTER_NAME (ipexport.h): wintun's names are at most 127 WCHARs and the NUL.
constexpr DWORD kMaxAdapterName = 128;

// Device instance IDs are at most MAX_DEVICE_ID_LEN (200) WCHARs with the NUL (cfgmgr32.h).
constexpr DWORD kMaxDeviceIdLength = 200;

// A bound on the enumeration: far more network devices than any machine has.
constexpr DWORD kMaxDevices = 65536;

class DeviceSet {
 public:
  explicit DeviceSet(DWORD flags)
      : set_(SetupDiGetClassDevsExW(&kNetClass, nullptr, nullptr, flags, nullptr, nullptr,
                                    nullptr)) {}
  ~DeviceSet() {
    if (valid()) SetupDiDestroyDeviceInfoList(set_);
  }
  DeviceSet(const DeviceSet&) = delete;
  DeviceSet& operator=(const DeviceSet&) = delete;

  bool valid() const { return set_ != INVALID_HANDLE_VALUE; }
  HDEVINFO get() const { return set_; }

 private:
  HDEVINFO set_;
};

bool InstanceIdOf(HDEVINFO set, SP_DEVINFO_DATA& device, std::wstring& id) {
  wchar_t buffer[kMaxDeviceIdLength] = {};
  if (!SetupDiGetDeviceInstanceIdW(set, &device, buffer, kMaxDeviceIdLength, nullptr)) {
    return false;
  }
  id.assign(buffer);
  return true;
}

// SPDRP_HARDWAREID, a REG_MULTI_SZ: wintun tells its devices by the ID "Wintun" in it.
std::vector<std::string> HardwareIdsOf(HDEVINFO set, SP_DEVINFO_DATA& device) {
  std::vector<std::string> ids;
  std::vector<wchar_t> buffer(256);
  DWORD type = 0;
  for (int attempt = 0; attempt < 4; ++attempt) {
    DWORD needed = 0;
    DWORD bytes = static_cast<DWORD>((buffer.size() - 2) * sizeof(wchar_t));
    if (SetupDiGetDeviceRegistryPropertyW(set, &device, SPDRP_HARDWAREID, &type,
                                          reinterpret_cast<BYTE*>(buffer.data()), bytes,
                                          &needed)) {
      if (type != REG_MULTI_SZ && type != REG_SZ) return ids;
      // Two NULs after what was written end the list even if the stored value lacks them.
      size_t written = needed / sizeof(wchar_t);
      std::fill(buffer.begin() + static_cast<std::ptrdiff_t>(written), buffer.end(), L'\0');
      for (const wchar_t* id = buffer.data(); *id != L'\0'; id += wcslen(id) + 1) {
        ids.push_back(Utf8Of(id, wcslen(id)));
      }
      return ids;
    }
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER) return ids;
    buffer.assign(needed / sizeof(wchar_t) + 2, L'\0');
  }
  return ids;
}

void ReadWintunName(HDEVINFO set, SP_DEVINFO_DATA& device, NetworkAdapterEntry& entry) {
  wchar_t name[kMaxAdapterName] = {};
  DEVPROPTYPE type = 0;
  if (SetupDiGetDevicePropertyW(set, &device, &kWintunName, &type, reinterpret_cast<BYTE*>(name),
                                sizeof name - sizeof(wchar_t), nullptr, 0) &&
      type == DEVPROP_TYPE_STRING) {
    entry.has_wintun_name = true;
    entry.wintun_name = Utf8Of(name, wcsnlen(name, kMaxAdapterName));
  }
}

void ReadClassKey(HDEVINFO set, SP_DEVINFO_DATA& device, NetworkAdapterEntry& entry) {
  HKEY key = SetupDiOpenDevRegKey(set, &device, DICS_FLAG_GLOBAL, 0, DIREG_DRV, KEY_QUERY_VALUE);
  if (key == INVALID_HANDLE_VALUE) return;
  ReadNetworkClassKey(key, entry);
  RegCloseKey(key);
}

// The instance IDs of the devices that exist now. A device that was installed and is gone (its
// creator closed it, it was unplugged) stays in the full list as a phantom until removed.
bool PresentInstanceIds(std::vector<std::wstring>& ids, ListFailure& failure) {
  DeviceSet present(DIGCF_PRESENT);
  if (!present.valid()) {
    failure.win32_code = GetLastError();
    failure.call = "SetupDiGetClassDevsExW";
    return false;
  }
  SP_DEVINFO_DATA device = {};
  device.cbSize = sizeof device;
  for (DWORD index = 0; index < kMaxDevices && SetupDiEnumDeviceInfo(present.get(), index, &device);
       ++index) {
    std::wstring id;
    if (InstanceIdOf(present.get(), device, id)) ids.push_back(id);
  }
  return true;
}

bool Contains(const std::vector<std::wstring>& ids, const std::wstring& id) {
  for (const std::wstring& other : ids) {
    if (_wcsicmp(other.c_str(), id.c_str()) == 0) return true;
  }
  return false;
}

}  // namespace

bool ListNetworkAdapters(std::vector<NetworkAdapterEntry>& entries, ListFailure& failure) {
  std::vector<std::wstring> present;
  if (!PresentInstanceIds(present, failure)) return false;
  InterfaceRows interfaces;
  if (!interfaces.Load(failure)) return false;
  DeviceSet all(0);
  if (!all.valid()) {
    failure.win32_code = GetLastError();
    failure.call = "SetupDiGetClassDevsExW";
    return false;
  }
  SP_DEVINFO_DATA device = {};
  device.cbSize = sizeof device;
  for (DWORD index = 0; index < kMaxDevices; ++index) {
    if (!SetupDiEnumDeviceInfo(all.get(), index, &device)) {
      if (GetLastError() == ERROR_NO_MORE_ITEMS) break;
      continue;  // as wintun does: one unreadable device does not end the enumeration
    }
    std::wstring id;
    if (!InstanceIdOf(all.get(), device, id)) continue;
    NetworkAdapterEntry entry;
    entry.instance_id = Utf8Of(id);
    entry.present = Contains(present, id);
    entry.hardware_ids = HardwareIdsOf(all.get(), device);
    ReadWintunName(all.get(), device, entry);
    ReadClassKey(all.get(), device, entry);
    if (!entry.net_cfg_instance_id.empty()) {
      entry.has_interface =
          interfaces.Find(entry.net_cfg_instance_id, entry.row, entry.interface_status);
    } else {
      entry.interface_status = ERROR_NOT_FOUND;
    }
    entries.push_back(std::move(entry));
  }
  return true;
}

}  // namespace magma::netadapters
