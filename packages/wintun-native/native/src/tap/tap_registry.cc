#include "tap_registry.h"

#include "tap_text.h"

namespace magma::tap {
namespace {

// A registry key name is at most 255 characters (winreg.h: "Registry Element Size Limits").
constexpr DWORD kMaxKeyNameUnits = 256;
// The class key holds one instance per network device; far fewer than this even on machines
// with many phantom adapters. It bounds the walk should an enumeration never end.
constexpr DWORD kMaxInstances = 100000;
// REG_SZ values read here are hardware ids, GUIDs and connection names (an interface alias is at
// most 256 characters, IF_MAX_STRING_SIZE); a longer value is not one of ours.
constexpr DWORD kMaxValueBytes = 1024;

class Key {
 public:
  explicit Key(const TapWin32Api& api) : api_(api) {}
  ~Key() {
    if (key_ != nullptr) api_.RegCloseKey(key_);
  }
  Key(const Key&) = delete;
  Key& operator=(const Key&) = delete;

  LSTATUS Open(HKEY parent, const std::u16string& path, REGSAM access) {
    return api_.RegOpenKeyExW(parent, Wide(path), 0, access, &key_);
  }
  HKEY get() const { return key_; }

 private:
  const TapWin32Api& api_;
  HKEY key_ = nullptr;
};

// A REG_SZ value without its terminating NUL(s). The stored size may or may not count the NUL
// (RegQueryValueExW documents both), so trailing NULs are trimmed. False if missing, of another
// type, or longer than kMaxValueBytes.
bool ReadString(const TapWin32Api& api, HKEY key, const char16_t* value, std::u16string& text) {
  char16_t buffer[kMaxValueBytes / sizeof(char16_t) + 1];
  DWORD type = 0;
  DWORD bytes = kMaxValueBytes;
  LSTATUS status = api.RegQueryValueExW(key, reinterpret_cast<LPCWSTR>(value), nullptr, &type,
                                        reinterpret_cast<LPBYTE>(buffer), &bytes);
  if (status != ERROR_SUCCESS || type != REG_SZ) return false;
  size_t units = bytes / sizeof(char16_t);
  while (units > 0 && buffer[units - 1] == 0) --units;
  text.assign(buffer, units);
  return true;
}

// Connection\Name under the network connections key (B.1.4).
bool ReadConnectionName(const TapWin32Api& api, const std::string& guid, std::u16string& name) {
  Key connection(api);
  std::u16string path = Utf16OfAscii(std::string(TAP_WIN_NETWORK_CONNECTIONS_KEY "\\") + guid +
                                     "\\Connection");
  if (connection.Open(HKEY_LOCAL_MACHINE, path, KEY_READ) != ERROR_SUCCESS) return false;
  return ReadString(api, connection.get(), u"Name", name);
}

}  // namespace

bool ReadTapRegistry(const TapWin32Api& api, std::vector<TapRegistryEntry>& entries,
                     RegistryFailure& failure) {
  Key adapters(api);
  LSTATUS status = adapters.Open(HKEY_LOCAL_MACHINE, Utf16OfAscii(TAP_WIN_ADAPTER_KEY), KEY_READ);
  // No class key, no network devices: an empty list (the emulator has none before its first
  // adapter; Windows always has one).
  if (status == ERROR_FILE_NOT_FOUND) return true;
  if (status != ERROR_SUCCESS) {
    failure.win32_code = static_cast<uint32_t>(status);
    failure.call = "RegOpenKeyExW";
    return false;
  }
  for (DWORD index = 0; index < kMaxInstances; ++index) {
    char16_t subkey[kMaxKeyNameUnits];
    DWORD units = kMaxKeyNameUnits;
    status = api.RegEnumKeyExW(adapters.get(), index, Wide(subkey), &units, nullptr, nullptr,
                               nullptr, nullptr);
    if (status == ERROR_NO_MORE_ITEMS) return true;
    // A name too long for any key is skipped like an unreadable instance (B.1.1).
    if (status == ERROR_MORE_DATA) continue;
    if (status != ERROR_SUCCESS) {
      failure.win32_code = static_cast<uint32_t>(status);
      failure.call = "RegEnumKeyExW";
      return false;
    }
    Key instance(api);
    if (instance.Open(adapters.get(), std::u16string(subkey, units), KEY_READ) != ERROR_SUCCESS) {
      continue;  // e.g. "Properties", which only SYSTEM may open (B.1.1)
    }
    TapRegistryEntry entry;
    if (!ReadString(api, instance.get(), u"ComponentId", entry.component_id)) continue;
    // Exactly these two: vendor forks ("tapnordvpn", ...) are other drivers (B.1.2, B.6.6).
    if (!EqualsIgnoringAsciiCase(entry.component_id, TAP_WIN_COMPONENT_ID) &&
        !EqualsIgnoringAsciiCase(entry.component_id, TAP_WIN_ROOT_COMPONENT_ID)) {
      continue;
    }
    std::u16string guid;
    // A device tapctl has just made may not have NetCfgInstanceId yet (B.1.5): not listed yet.
    if (!ReadString(api, instance.get(), u"NetCfgInstanceId", guid)) continue;
    if (!AsciiOfUtf16(guid, entry.guid)) continue;
    entry.has_name = ReadConnectionName(api, entry.guid, entry.name);
    entries.push_back(std::move(entry));
  }
  return true;
}

}  // namespace magma::tap
