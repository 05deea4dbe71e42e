// What wintun's CreateAdapter does on Windows 10 (api/adapter.c): SwDeviceCreate with enumerator
// "Wintun", instance ID "{GUID}", hardware ID "Wintun", the properties DEVPKEY_Wintun_Name = Name
// and FriendlyName/DeviceDesc = "<TunnelType> Tunnel"; the network setup then writes the class
// key (NetCfgInstanceId, NetLuidIndex, *IfType from the INF) that PopulateAdapterData reads.
// SwDeviceCreate and the network setup do not exist under Wine, so the stand-in writes the same
// device and key with SetupAPI, which Wine keeps in its registry as Windows does.
#include "device_registration.h"

#include <setupapi.h>
#include <devpropdef.h>

#include <cstdio>

namespace loopback {
namespace {

// GUID_DEVCLASS_NET.
const GUID kNetClass = {0x4d36e972, 0xe325, 0x11ce, {0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18}};

// DEVPKEY_Wintun_Name (wintun api/adapter.c).
const DEVPROPKEY kWintunName = {
    {0x3361c968, 0x2f2e, 0x4660, {0xb4, 0x7e, 0x69, 0x9c, 0xdc, 0x4c, 0x32, 0xb9}},
    DEVPROPID_FIRST_USABLE + 1};

}  // namespace

// mingw-w64's setupapi.h lacks the declaration; setupapi.dll (Windows Vista and later, and
// Wine's) exports it.
extern "C" BOOL WINAPI SetupDiSetDevicePropertyW(HDEVINFO, PSP_DEVINFO_DATA, const DEVPROPKEY*,
                                                 DEVPROPTYPE, const BYTE*, DWORD, DWORD);

std::wstring GuidText(const GUID& guid) {
  wchar_t text[39];
  std::swprintf(text, 39, L"{%08lX-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                static_cast<unsigned long>(guid.Data1), guid.Data2, guid.Data3, guid.Data4[0],
                guid.Data4[1], guid.Data4[2], guid.Data4[3], guid.Data4[4], guid.Data4[5],
                guid.Data4[6], guid.Data4[7]);
  return text;
}

namespace {

bool SetString(HKEY key, const wchar_t* name, const std::wstring& value) {
  return RegSetValueExW(key, name, 0, REG_SZ, reinterpret_cast<const BYTE*>(value.c_str()),
                        static_cast<DWORD>((value.size() + 1) * sizeof(wchar_t))) == ERROR_SUCCESS;
}

bool SetDword(HKEY key, const wchar_t* name, DWORD value) {
  return RegSetValueExW(key, name, 0, REG_DWORD, reinterpret_cast<const BYTE*>(&value),
                        sizeof value) == ERROR_SUCCESS;
}

bool Register(HDEVINFO set, SP_DEVINFO_DATA& device, const std::wstring& name,
              const std::wstring& description, const GUID& interface_guid, uint64_t luid) {
  // A REG_MULTI_SZ: the one ID and the list's closing NUL.
  static const wchar_t kHardwareIds[] = L"Wintun\0";
  if (!SetupDiSetDeviceRegistryPropertyW(set, &device, SPDRP_HARDWAREID,
                                         reinterpret_cast<const BYTE*>(kHardwareIds),
                                         sizeof kHardwareIds) ||
      !SetupDiSetDeviceRegistryPropertyW(
          set, &device, SPDRP_DEVICEDESC, reinterpret_cast<const BYTE*>(description.c_str()),
          static_cast<DWORD>((description.size() + 1) * sizeof(wchar_t))) ||
      !SetupDiRegisterDeviceInfo(set, &device, 0, nullptr, nullptr, nullptr) ||
      !SetupDiSetDevicePropertyW(set, &device, &kWintunName, DEVPROP_TYPE_STRING,
                                 reinterpret_cast<const BYTE*>(name.c_str()),
                                 static_cast<DWORD>((name.size() + 1) * sizeof(wchar_t)), 0)) {
    return false;
  }
  HKEY key = SetupDiCreateDevRegKeyW(set, &device, DICS_FLAG_GLOBAL, 0, DIREG_DRV, nullptr,
                                     nullptr);
  if (key == INVALID_HANDLE_VALUE) return false;
  // The INF's values (driver/wintun.inf) and the network setup's: ComponentId is the matched
  // hardware ID, lower case; NetLuidIndex and *IfType are the LUID's fields.
  bool written = SetString(key, L"ComponentId", L"wintun") &&
                 SetString(key, L"NetCfgInstanceId", GuidText(interface_guid)) &&
                 SetString(key, L"DriverDesc", description) &&
                 SetString(key, L"DriverVersion", L"0.14.1.0") &&
                 SetDword(key, L"NetLuidIndex", static_cast<DWORD>((luid >> 24) & 0xFFFFFF)) &&
                 SetDword(key, L"*IfType", static_cast<DWORD>(luid >> 48));
  RegCloseKey(key);
  return written;
}

}  // namespace

std::wstring RegisterWintunDevice(const std::wstring& name, const std::wstring& tunnel_type,
                                  const GUID& instance, const GUID& interface_guid,
                                  uint64_t luid) {
  HDEVINFO set = SetupDiCreateDeviceInfoListExW(&kNetClass, nullptr, nullptr, nullptr);
  if (set == INVALID_HANDLE_VALUE) return std::wstring();
  std::wstring id = L"SWD\\Wintun\\" + GuidText(instance);
  SP_DEVINFO_DATA device = {};
  device.cbSize = sizeof device;
  bool created =
      SetupDiCreateDeviceInfoW(set, id.c_str(), &kNetClass, nullptr, nullptr, 0, &device);
  if (!created || !Register(set, device, name, tunnel_type + L" Tunnel", interface_guid, luid)) {
    DWORD error = GetLastError();
    if (created) SetupDiRemoveDevice(set, &device);
    id.clear();
    SetLastError(error);
  }
  SetupDiDestroyDeviceInfoList(set);
  return id;
}

void RemoveWintunDevice(const std::wstring& instance_id) {
  if (instance_id.empty()) return;
  HDEVINFO set = SetupDiCreateDeviceInfoListExW(&kNetClass, nullptr, nullptr, nullptr);
  if (set == INVALID_HANDLE_VALUE) return;
  SP_DEVINFO_DATA device = {};
  device.cbSize = sizeof device;
  if (SetupDiOpenDeviceInfoW(set, instance_id.c_str(), nullptr, 0, &device)) {
    SetupDiRemoveDevice(set, &device);
  }
  SetupDiDestroyDeviceInfoList(set);
}

}  // namespace loopback
