// Reads with RegGetValueW, which NUL-terminates what it returns even when the stored string is
// not (RegQueryValueExW does not), and checks the type (RRF_RT_*).
#include "network_class_key_windows.h"

#include <string>

#include "wide_text_windows.h"

namespace magma::netadapters {
namespace {

bool ReadString(HKEY key, const wchar_t* name, std::string& value) {
  DWORD bytes = 0;
  if (RegGetValueW(key, nullptr, name, RRF_RT_REG_SZ, nullptr, nullptr, &bytes) != ERROR_SUCCESS) {
    return false;
  }
  // A value can change between the two calls: retry a few times with the size it reports.
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::wstring text(bytes / sizeof(wchar_t) + 1, L'\0');
    DWORD size = static_cast<DWORD>(text.size() * sizeof(wchar_t));
    LSTATUS status = RegGetValueW(key, nullptr, name, RRF_RT_REG_SZ, nullptr, &text[0], &size);
    if (status == ERROR_MORE_DATA) {
      bytes = size;
      continue;
    }
    if (status != ERROR_SUCCESS) return false;
    text.resize(size / sizeof(wchar_t));
    while (!text.empty() && text.back() == L'\0') text.pop_back();
    value = Utf8Of(text);
    return true;
  }
  return false;
}

bool ReadDword(HKEY key, const wchar_t* name, uint32_t& value) {
  DWORD data = 0;
  DWORD size = sizeof data;
  if (RegGetValueW(key, nullptr, name, RRF_RT_REG_DWORD, nullptr, &data, &size) != ERROR_SUCCESS) {
    return false;
  }
  value = data;
  return true;
}

}  // namespace

void ReadNetworkClassKey(HKEY key, NetworkAdapterEntry& entry) {
  entry.class_key_read = true;
  // ComponentId: the hardware ID the driver's INF matched, which OpenVPN compares with tap0901.
  ReadString(key, L"ComponentId", entry.component_id);
  // NetCfgInstanceId: the interface GUID; wintun's PopulateAdapterData reads it here too.
  ReadString(key, L"NetCfgInstanceId", entry.net_cfg_instance_id);
  ReadString(key, L"DriverVersion", entry.driver_version);
  ReadString(key, L"DriverDesc", entry.driver_description);
  // NetLuidIndex and *IfType make the NET_LUID ((IfType << 48) | (NetLuidIndex << 24)), which
  // is how WintunGetAdapterLUID builds it from this key.
  uint32_t index = 0;
  uint32_t type = 0;
  if (ReadDword(key, L"NetLuidIndex", index) && ReadDword(key, L"*IfType", type)) {
    entry.has_luid_index = true;
    entry.net_luid_index = index;
    entry.if_type = type;
  }
}

}  // namespace magma::netadapters
