#include "registry.h"

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "handle_table.h"

namespace tap_emu {

namespace {

constexpr LSTATUS kErrorKeyDeleted = 1018;  // winerror.h ERROR_KEY_DELETED

struct Key {
  std::string name;  // last component, as created
  bool unreadable = false;
  std::map<std::u16string, std::pair<std::u16string, std::u16string>> values;  // upper -> name, data
};

struct Tree {
  std::mutex mutex;
  std::map<std::string, Key> keys;  // upper-case path -> key; "" is HKLM itself
};

Tree &tree() {
  static Tree instance;
  return instance;
}

std::string upper(const std::string &text) {
  std::string out = text;
  for (char &c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::u16string upper16(const std::u16string &text) {
  std::u16string out = text;
  for (char16_t &c : out) {
    if (c >= u'a' && c <= u'z') c = static_cast<char16_t>(c - u'a' + u'A');
  }
  return out;
}

// Registry paths here are ASCII (GUIDs, digits, fixed names); other code units become '?', which
// matches no key.
std::string asciiFrom(const WCHAR *text) {
  std::string out;
  for (size_t i = 0; text != nullptr && text[i] != 0 && i < 4096; ++i) {
    out.push_back(text[i] < 0x80 ? static_cast<char>(text[i]) : '?');
  }
  return out;
}

std::u16string utf16From(const WCHAR *text) {
  std::u16string out;
  for (size_t i = 0; text != nullptr && text[i] != 0 && i < 16384; ++i) out.push_back(text[i]);
  return out;
}

class RegistryKeyObject : public KernelObject {
 public:
  explicit RegistryKeyObject(std::string upperPath)
      : KernelObject(Kind::RegistryKey), path(std::move(upperPath)) {}
  const std::string path;  // upper-case
};

Key &makeKey(Tree &t, const std::string &path) {
  std::string prefix;
  size_t start = 0;
  t.keys[""];
  while (start <= path.size()) {
    size_t end = path.find('\\', start);
    if (end == std::string::npos) end = path.size();
    std::string component = path.substr(start, end - start);
    prefix = prefix.empty() ? component : prefix + "\\" + component;
    Key &key = t.keys[upper(prefix)];
    if (key.name.empty()) key.name = component;
    start = end + 1;
  }
  return t.keys[upper(path)];
}

// The key a handle names; HKLM is the predefined handle, never in the handle table.
bool pathOf(HKEY key, std::string *path) {
  if (key == HKEY_LOCAL_MACHINE) {
    path->clear();
    return true;
  }
  auto object = lookupHandleOf<RegistryKeyObject>(reinterpret_cast<HANDLE>(key),
                                                  KernelObject::Kind::RegistryKey);
  if (object == nullptr) return false;
  *path = object->path;
  return true;
}

}  // namespace

void registrySetString(const std::string &path, const std::u16string &name,
                       const std::u16string &value) {
  Tree &t = tree();
  std::lock_guard<std::mutex> lock(t.mutex);
  makeKey(t, path).values[upper16(name)] = {name, value};
}

void registryMakeUnreadableKey(const std::string &path) {
  Tree &t = tree();
  std::lock_guard<std::mutex> lock(t.mutex);
  makeKey(t, path).unreadable = true;
}

void registryDeleteTree(const std::string &path) {
  Tree &t = tree();
  std::lock_guard<std::mutex> lock(t.mutex);
  std::string key = upper(path);
  auto it = t.keys.lower_bound(key);
  while (it != t.keys.end() &&
         (it->first == key || it->first.compare(0, key.size() + 1, key + "\\") == 0)) {
    it = t.keys.erase(it);
  }
}

LSTATUS registryOpenKey(HKEY base, const WCHAR *subKey, HKEY *result) {
  if (result == nullptr) return ERROR_INVALID_PARAMETER;
  std::string path;
  if (!pathOf(base, &path)) return ERROR_INVALID_HANDLE;
  std::string relative = upper(asciiFrom(subKey));
  if (!relative.empty()) path = path.empty() ? relative : path + "\\" + relative;
  {
    Tree &t = tree();
    std::lock_guard<std::mutex> lock(t.mutex);
    auto found = t.keys.find(path);
    if (found == t.keys.end()) return ERROR_FILE_NOT_FOUND;
    if (found->second.unreadable) return ERROR_ACCESS_DENIED;
  }
  *result = reinterpret_cast<HKEY>(insertHandle(std::make_shared<RegistryKeyObject>(path)));
  return ERROR_SUCCESS;
}

LSTATUS registryEnumKey(HKEY key, DWORD index, WCHAR *name, DWORD *nameLength) {
  if (name == nullptr || nameLength == nullptr) return ERROR_INVALID_PARAMETER;
  std::string path;
  if (!pathOf(key, &path)) return ERROR_INVALID_HANDLE;
  Tree &t = tree();
  std::lock_guard<std::mutex> lock(t.mutex);
  if (t.keys.find(path) == t.keys.end() && !path.empty()) return kErrorKeyDeleted;
  std::string prefix = path.empty() ? "" : path + "\\";
  DWORD seen = 0;
  for (auto it = t.keys.lower_bound(prefix); it != t.keys.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    if (it->first.size() == prefix.size() || it->first.find('\\', prefix.size()) != std::string::npos) {
      continue;  // HKLM itself, or deeper than one level
    }
    if (seen++ != index) continue;
    const std::string &child = it->second.name;
    // lpcchName counts the terminating NUL on input and excludes it on output.
    if (*nameLength <= child.size()) return ERROR_MORE_DATA;
    for (size_t i = 0; i < child.size(); ++i) name[i] = static_cast<WCHAR>(child[i]);
    name[child.size()] = 0;
    *nameLength = static_cast<DWORD>(child.size());
    return ERROR_SUCCESS;
  }
  return ERROR_NO_MORE_ITEMS;
}

LSTATUS registryQueryValue(HKEY key, const WCHAR *valueName, DWORD *type, BYTE *data,
                           DWORD *dataSize) {
  if (data != nullptr && dataSize == nullptr) return ERROR_INVALID_PARAMETER;
  std::string path;
  if (!pathOf(key, &path)) return ERROR_INVALID_HANDLE;
  Tree &t = tree();
  std::lock_guard<std::mutex> lock(t.mutex);
  auto found = t.keys.find(path);
  if (found == t.keys.end()) return kErrorKeyDeleted;
  auto value = found->second.values.find(upper16(utf16From(valueName)));
  if (value == found->second.values.end()) return ERROR_FILE_NOT_FOUND;
  const std::u16string &text = value->second.second;
  // REG_SZ data is the UTF-16 text with its NUL, sized in bytes.
  DWORD size = static_cast<DWORD>((text.size() + 1) * sizeof(WCHAR));
  if (type != nullptr) *type = REG_SZ;
  if (data == nullptr) {
    if (dataSize != nullptr) *dataSize = size;
    return ERROR_SUCCESS;
  }
  if (*dataSize < size) {
    *dataSize = size;
    return ERROR_MORE_DATA;
  }
  std::memcpy(data, text.c_str(), size);
  *dataSize = size;
  return ERROR_SUCCESS;
}

LSTATUS registryCloseKey(HKEY key) {
  if (key == HKEY_LOCAL_MACHINE) return ERROR_SUCCESS;
  HANDLE handle = reinterpret_cast<HANDLE>(key);
  if (lookupHandleOf<RegistryKeyObject>(handle, KernelObject::Kind::RegistryKey) == nullptr) {
    return ERROR_INVALID_HANDLE;
  }
  return removeHandle(handle) != nullptr ? ERROR_SUCCESS : ERROR_INVALID_HANDLE;
}

}  // namespace tap_emu
