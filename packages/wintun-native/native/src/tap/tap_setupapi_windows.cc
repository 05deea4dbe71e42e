// tapctl (OpenVPN src/tapctl/tap.c) makes a device info element with DICD_GENERATE_ID, sets its
// hardware ID, registers it (DIF_REGISTERDEVICE) and installs it with newdev.dll's
// DiInstallDevice. Here the class installer installs it instead, in the order Microsoft gives for
// device installation: the best compatible driver selected before anything is registered (so no
// device is made when no tap-windows6 driver is installed), DIF_REGISTERDEVICE,
// DIF_REGISTER_COINSTALLERS, DIF_INSTALLINTERFACES, DIF_INSTALLDEVICE; no newdev.dll is needed.
// Once DIF_REGISTERDEVICE has made the device, every failure removes it again (DIF_REMOVE), as
// tapctl does, so a failed call leaves no nameless adapter behind.
#include "tap_setupapi_windows.h"

#include <setupapi.h>
#include <cfgmgr32.h>  // MAX_CLASS_NAME_LEN

#include <cstddef>
#include <string>

#include "tap_connection_name_windows.h"

// The SetupAPI structures passed by pointer here, pinned for x64 as the other Win32 layouts are
// (platform/win32_layout_checks.cc): setupapi.h packs them to 8 bytes on 64-bit targets.
static_assert(sizeof(SP_DEVINFO_DATA) == 32, "SP_DEVINFO_DATA");
static_assert(sizeof(SP_CLASSINSTALL_HEADER) == 8, "SP_CLASSINSTALL_HEADER");
static_assert(sizeof(SP_REMOVEDEVICE_PARAMS) == 16, "SP_REMOVEDEVICE_PARAMS");
static_assert(offsetof(SP_REMOVEDEVICE_PARAMS, Scope) == 8, "SP_REMOVEDEVICE_PARAMS.Scope");
static_assert(sizeof(SP_PROPCHANGE_PARAMS) == 20, "SP_PROPCHANGE_PARAMS");
static_assert(sizeof(SP_DEVINSTALL_PARAMS_W) == 584, "SP_DEVINSTALL_PARAMS_W");
static_assert(offsetof(SP_DEVINSTALL_PARAMS_W, DriverPath) == 60, "SP_DEVINSTALL_PARAMS_W.DriverPath");

namespace magma::tap {
namespace {

// GUID_DEVCLASS_NET (devguid.h), spelled out so that no uuid library is linked.
const GUID kNetClass = {0x4d36e972, 0xe325, 0x11ce, {0xbf, 0xc1, 0x08, 0x00, 0x2b, 0xe1, 0x03, 0x18}};

// tapctl waits up to 30 s, a second apart, for a new device's NetCfgInstanceId (B.1.5): the
// network setup writes it after DIF_INSTALLDEVICE returns. Shorter steps, the same bound.
constexpr DWORD kGuidPollMilliseconds = 250;
constexpr int kGuidPolls = 120;

// "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}": 38 characters.
constexpr size_t kGuidLength = 38;

// A bound on the enumeration: far more network devices than any machine has.
constexpr DWORD kMaxDevices = 65536;

// Reads the last error before anything else can change it. A call that failed without setting
// one (Wine's stub of SetupDiSetClassInstallParamsW does) must not read as success.
TapSetupResult Failure(const char* call) {
  TapSetupResult result;
  result.code = GetLastError();
  if (result.code == ERROR_SUCCESS) result.code = ERROR_CAN_NOT_COMPLETE;
  result.call = call;
  return result;
}

TapSetupResult Failure(const char* call, const std::string& detail) {
  TapSetupResult result = Failure(call);
  result.detail = detail;
  return result;
}

class DeviceInfoList {
 public:
  explicit DeviceInfoList(HDEVINFO set) : set_(set) {}
  ~DeviceInfoList() {
    if (valid()) SetupDiDestroyDeviceInfoList(set_);
  }
  DeviceInfoList(const DeviceInfoList&) = delete;
  DeviceInfoList& operator=(const DeviceInfoList&) = delete;

  bool valid() const { return set_ != INVALID_HANDLE_VALUE; }
  HDEVINFO get() const { return set_; }

 private:
  HDEVINFO set_;
};

// The compatible-driver list built for one device; freed before the device list that holds it.
class CompatibleDrivers {
 public:
  CompatibleDrivers(HDEVINFO set, SP_DEVINFO_DATA& device) : set_(set), device_(device) {}
  ~CompatibleDrivers() {
    if (built_) SetupDiDestroyDriverInfoList(set_, &device_, SPDIT_COMPATDRIVER);
  }
  CompatibleDrivers(const CompatibleDrivers&) = delete;
  CompatibleDrivers& operator=(const CompatibleDrivers&) = delete;

  // Searches the INF directory, where the driver store publishes tap-windows6's OemVista.inf,
  // for drivers matching the device's hardware ID.
  bool Build() {
    built_ = SetupDiBuildDriverInfoList(set_, &device_, SPDIT_COMPATDRIVER) != FALSE;
    return built_;
  }

 private:
  HDEVINFO set_;
  SP_DEVINFO_DATA& device_;
  bool built_ = false;
};

bool RestartNeeded(HDEVINFO set, SP_DEVINFO_DATA& device) {
  SP_DEVINSTALL_PARAMS_W params = {};
  params.cbSize = sizeof params;
  if (!SetupDiGetDeviceInstallParamsW(set, &device, &params)) return false;
  return (params.Flags & (DI_NEEDREBOOT | DI_NEEDRESTART)) != 0;
}

// One class-installer request on the device: its parameters (`header` heads a struct of `size`
// bytes), the call, and a restart Windows asks for reported as ERROR_SUCCESS_REBOOT_REQUIRED with
// `after_restart` as its detail. `installer_call` names the call in errors (a literal:
// TapSetupResult keeps the pointer).
TapSetupResult CallClassInstaller(HDEVINFO set, SP_DEVINFO_DATA& device, SP_CLASSINSTALL_HEADER& header,
                                  DWORD size, const char* installer_call, const std::string& what,
                                  const std::string& after_restart) {
  header.cbSize = sizeof(SP_CLASSINSTALL_HEADER);
  if (!SetupDiSetClassInstallParamsW(set, &device, &header, size)) {
    return Failure("SetupDiSetClassInstallParamsW", what);
  }
  if (!SetupDiCallClassInstaller(header.InstallFunction, set, &device)) {
    return Failure(installer_call, what);
  }
  TapSetupResult result;
  if (RestartNeeded(set, device)) {
    result.code = ERROR_SUCCESS_REBOOT_REQUIRED;
    result.call = installer_call;
    result.detail = after_restart;
  }
  return result;
}

// DIF_REMOVE with global scope, as tapctl's delete_device: the device and its keys go.
TapSetupResult RemoveDevice(HDEVINFO set, SP_DEVINFO_DATA& device, const std::string& what) {
  SP_REMOVEDEVICE_PARAMS params = {};
  params.ClassInstallHeader.InstallFunction = DIF_REMOVE;
  params.Scope = DI_REMOVEDEVICE_GLOBAL;
  params.HwProfile = 0;
  return CallClassInstaller(set, device, params.ClassInstallHeader, sizeof params,
                            "SetupDiCallClassInstaller(DIF_REMOVE)", what,
                            what + " is removed once Windows restarts");
}

bool IsGuidText(const std::string& text) {
  if (text.size() != kGuidLength || text.front() != '{' || text.back() != '}') return false;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    bool dash = i == 9 || i == 14 || i == 19 || i == 24;
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

bool EqualIgnoringAsciiCase(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// A REG_SZ value of ASCII text (GUIDs, hardware IDs). RegGetValueW NUL-terminates what it
// returns and checks the type. Returns the registry's status; ERROR_INVALID_DATA for text that
// is not ASCII or longer than any value read here.
LSTATUS ReadAsciiValue(HKEY key, const wchar_t* name, std::string& value) {
  wchar_t text[64] = {};
  DWORD bytes = sizeof text;
  LSTATUS status = RegGetValueW(key, nullptr, name, RRF_RT_REG_SZ, nullptr, text, &bytes);
  if (status == ERROR_MORE_DATA) return ERROR_INVALID_DATA;
  if (status != ERROR_SUCCESS) return status;
  value.clear();
  for (const wchar_t* unit = text; *unit != L'\0'; ++unit) {
    if (*unit > 0x7F) return ERROR_INVALID_DATA;
    value.push_back(static_cast<char>(*unit));
  }
  return ERROR_SUCCESS;
}

// Exactly these two (reference B.1.2, B.6.6): vendor forks such as tapnordvpn are other drivers.
bool IsTapComponentId(const std::string& id) {
  return EqualIgnoringAsciiCase(id, "tap0901") || EqualIgnoringAsciiCase(id, "root\\tap0901");
}

// NetCfgInstanceId from the device's key under the network class key (DIREG_DRV), waiting for
// the network setup to write it (tapctl's get_net_adapter_guid).
TapSetupResult WaitForInstanceId(HDEVINFO set, SP_DEVINFO_DATA& device, std::string& guid) {
  HKEY key = SetupDiOpenDevRegKey(set, &device, DICS_FLAG_GLOBAL, 0, DIREG_DRV, KEY_QUERY_VALUE);
  if (key == INVALID_HANDLE_VALUE) return Failure("SetupDiOpenDevRegKey(DIREG_DRV)");
  LSTATUS status = ERROR_FILE_NOT_FOUND;
  for (int poll = 0; poll < kGuidPolls; ++poll) {
    status = ReadAsciiValue(key, L"NetCfgInstanceId", guid);
    if (status != ERROR_FILE_NOT_FOUND) break;
    Sleep(kGuidPollMilliseconds);
  }
  RegCloseKey(key);
  TapSetupResult result;
  if (status == ERROR_SUCCESS && !IsGuidText(guid)) status = ERROR_INVALID_DATA;
  if (status != ERROR_SUCCESS) {
    result.code = static_cast<DWORD>(status);
    result.call = "RegGetValueW(NetCfgInstanceId)";
    result.detail = status == ERROR_FILE_NOT_FOUND
                        ? "the network setup wrote no NetCfgInstanceId within 30 s"
                        : "NetCfgInstanceId is not a GUID";
  }
  return result;
}

// The steps after DIF_REGISTERDEVICE; the caller removes the device when they fail.
TapSetupResult InstallRegisteredDevice(HDEVINFO set, SP_DEVINFO_DATA& device,
                                       const wchar_t* name, std::string& guid) {
  // Not fatal: these two install only what the INF lists besides the driver (co-installers,
  // device interfaces), and DIF_INSTALLDEVICE reports a device that cannot be installed.
  SetupDiCallClassInstaller(DIF_REGISTER_COINSTALLERS, set, &device);
  SetupDiCallClassInstaller(DIF_INSTALLINTERFACES, set, &device);
  if (!SetupDiCallClassInstaller(DIF_INSTALLDEVICE, set, &device)) {
    return Failure("SetupDiCallClassInstaller(DIF_INSTALLDEVICE)");
  }
  bool restart = RestartNeeded(set, device);
  TapSetupResult result = WaitForInstanceId(set, device, guid);
  if (result.code != ERROR_SUCCESS) return result;
  result = SetTapConnectionName(guid, name);
  if (result.code != ERROR_SUCCESS) return result;
  if (restart) {
    // Made and named, as tapctl leaves it ("A system reboot is required"); the code says so.
    result.code = ERROR_SUCCESS_REBOOT_REQUIRED;
    result.call = "SetupDiCallClassInstaller(DIF_INSTALLDEVICE)";
    result.detail = guid + " is made; it works once Windows restarts";
  }
  return result;
}

}  // namespace

TapSetupResult CreateTapAdapterWindows(const wchar_t* name, const wchar_t* hardware_id,
                                       std::string& guid) {
  guid.clear();
  DeviceInfoList set(SetupDiCreateDeviceInfoList(&kNetClass, nullptr));
  if (!set.valid()) return Failure("SetupDiCreateDeviceInfoList");
  wchar_t class_name[MAX_CLASS_NAME_LEN] = {};
  if (!SetupDiClassNameFromGuidW(&kNetClass, class_name, MAX_CLASS_NAME_LEN, nullptr)) {
    return Failure("SetupDiClassNameFromGuidW");
  }
  // DICD_GENERATE_ID: Windows numbers the instance under ROOT\<class name>\.
  SP_DEVINFO_DATA device = {};
  device.cbSize = sizeof device;
  if (!SetupDiCreateDeviceInfoW(set.get(), class_name, &kNetClass, nullptr, nullptr,
                                DICD_GENERATE_ID, &device)) {
    return Failure("SetupDiCreateDeviceInfoW");
  }
  if (!SetupDiSetSelectedDevice(set.get(), &device)) return Failure("SetupDiSetSelectedDevice");
  // SPDRP_HARDWAREID is a REG_MULTI_SZ: the one ID, its NUL, and the list's closing NUL.
  std::wstring hardware_ids(hardware_id);
  hardware_ids.push_back(L'\0');
  if (!SetupDiSetDeviceRegistryPropertyW(
          set.get(), &device, SPDRP_HARDWAREID,
          reinterpret_cast<const BYTE*>(hardware_ids.c_str()),
          static_cast<DWORD>((hardware_ids.size() + 1) * sizeof(wchar_t)))) {
    return Failure("SetupDiSetDeviceRegistryPropertyW(SPDRP_HARDWAREID)");
  }
  CompatibleDrivers drivers(set.get(), device);
  if (!drivers.Build()) return Failure("SetupDiBuildDriverInfoList");
  // ERROR_NO_COMPAT_DRIVERS here: no tap-windows6 driver is installed.
  if (!SetupDiSelectBestCompatDrv(set.get(), &device)) {
    return Failure("SetupDiSelectBestCompatDrv");
  }
  if (!SetupDiCallClassInstaller(DIF_REGISTERDEVICE, set.get(), &device)) {
    return Failure("SetupDiCallClassInstaller(DIF_REGISTERDEVICE)");
  }
  TapSetupResult result = InstallRegisteredDevice(set.get(), device, name, guid);
  if (result.code != ERROR_SUCCESS && result.code != ERROR_SUCCESS_REBOOT_REQUIRED) {
    // The first failure is the one reported; one in removing is added to its detail, since the
    // device then stays (tapctl only logs it).
    TapSetupResult removed = RemoveDevice(set.get(), device, "the new device");
    if (removed.code != ERROR_SUCCESS && removed.code != ERROR_SUCCESS_REBOOT_REQUIRED) {
      if (!result.detail.empty()) result.detail += "; ";
      result.detail += std::string("removing the new device failed too: ") + removed.call +
                       " gave " + std::to_string(removed.code);
    }
    guid.clear();
  }
  return result;
}

namespace {

// Runs `act(set, device)` on the network device whose NetCfgInstanceId is `guid` and whose
// ComponentId is TAP's (tapctl's execute_on_first_adapter, with that check added).
template <typename Act>
TapSetupResult OnTapDevice(const std::string& guid, Act act) {
  // All the class's devices, not only present ones (tapctl's DIGCF_PRESENT): a phantom adapter
  // listTapAdapters() shows can be removed too.
  DeviceInfoList set(
      SetupDiGetClassDevsExW(&kNetClass, nullptr, nullptr, 0, nullptr, nullptr, nullptr));
  if (!set.valid()) return Failure("SetupDiGetClassDevsExW");
  SP_DEVINFO_DATA device = {};
  device.cbSize = sizeof device;
  for (DWORD index = 0; index < kMaxDevices; ++index) {
    if (!SetupDiEnumDeviceInfo(set.get(), index, &device)) {
      if (GetLastError() == ERROR_NO_MORE_ITEMS) break;
      continue;  // one unreadable device does not end the search (tapctl, wintun)
    }
    HKEY key = SetupDiOpenDevRegKey(set.get(), &device, DICS_FLAG_GLOBAL, 0, DIREG_DRV,
                                    KEY_QUERY_VALUE);
    if (key == INVALID_HANDLE_VALUE) continue;  // a device without a driver key is no adapter
    std::string instance_id;
    std::string component_id;
    bool ours = ReadAsciiValue(key, L"NetCfgInstanceId", instance_id) == ERROR_SUCCESS &&
                EqualIgnoringAsciiCase(instance_id, guid) &&
                ReadAsciiValue(key, L"ComponentId", component_id) == ERROR_SUCCESS &&
                IsTapComponentId(component_id);
    RegCloseKey(key);
    if (ours) return act(set.get(), device);
  }
  TapSetupResult result;
  result.code = ERROR_NOT_FOUND;
  result.call = "SetupDiEnumDeviceInfo";
  result.detail = "no TAP-Windows device has NetCfgInstanceId " + guid;
  return result;
}

// DIF_PROPERTYCHANGE with DICS_ENABLE or DICS_DISABLE in every hardware profile, as tapctl's
// change_device_state.
TapSetupResult ChangeState(HDEVINFO set, SP_DEVINFO_DATA& device, bool enabled,
                           const std::string& guid) {
  SP_PROPCHANGE_PARAMS params = {};
  params.ClassInstallHeader.InstallFunction = DIF_PROPERTYCHANGE;
  params.StateChange = enabled ? DICS_ENABLE : DICS_DISABLE;
  params.Scope = DICS_FLAG_GLOBAL;
  params.HwProfile = 0;
  return CallClassInstaller(set, device, params.ClassInstallHeader, sizeof params,
                            "SetupDiCallClassInstaller(DIF_PROPERTYCHANGE)", guid,
                            guid + (enabled ? " is enabled" : " is disabled") + " once Windows restarts");
}

}  // namespace

TapSetupResult DeleteTapAdapterWindows(const std::string& guid) {
  return OnTapDevice(guid, [&guid](HDEVINFO set, SP_DEVINFO_DATA& device) {
    return RemoveDevice(set, device, guid);
  });
}

TapSetupResult SetTapAdapterEnabledWindows(const std::string& guid, bool enabled) {
  return OnTapDevice(guid, [&guid, enabled](HDEVINFO set, SP_DEVINFO_DATA& device) {
    return ChangeState(set, device, enabled, guid);
  });
}

}  // namespace magma::tap
