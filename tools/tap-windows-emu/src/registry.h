// The part of HKLM the TAP discovery reads (reference B.1): a tree of keys with REG_SZ values,
// which the adapter list fills as tapctl and the PnP manager would. Key names compare ignoring
// ASCII case, as the registry does; subkeys enumerate in name order.
#pragma once

#include <string>

#include "tap_windows_api.h"

namespace tap_emu {

// Paths are relative to HKLM, components joined by '\'. Setting a value makes the key and its
// ancestors; a key marked unreadable fails RegOpenKeyExW with ERROR_ACCESS_DENIED (like the class
// key's "Properties" subkey, which OpenVPN steps over).
void registrySetString(const std::string &path, const std::u16string &name,
                       const std::u16string &value);
void registryMakeUnreadableKey(const std::string &path);
// Removes the key and everything below it.
void registryDeleteTree(const std::string &path);

LSTATUS registryOpenKey(HKEY base, const WCHAR *subKey, HKEY *result);
LSTATUS registryEnumKey(HKEY key, DWORD index, WCHAR *name, DWORD *nameLength);
LSTATUS registryQueryValue(HKEY key, const WCHAR *valueName, DWORD *type, BYTE *data,
                           DWORD *dataSize);
LSTATUS registryCloseKey(HKEY key);

}  // namespace tap_emu
