/* Discovery through the emulated registry, as OpenVPN's get_tap_reg and get_panel_reg do it. */
#include <string.h>

#include "cases.h"
#include "harness.h"

static void readString(HKEY key, const char16_t *value, WCHAR *out, DWORD capacityBytes) {
  DWORD type = 0;
  DWORD size = capacityBytes;
  CHECK_EQ_U(api->RegQueryValueExW(key, value, NULL, &type, (BYTE *)out, &size), 0);
  CHECK_EQ_U(type, REG_SZ);
}

static bool wideIs(const WCHAR *wide, const char16_t *expected) {
  size_t i = 0;
  for (; expected[i] != 0; ++i) {
    if (wide[i] != expected[i]) return false;
  }
  return wide[i] == 0;
}

static bool wideIsAscii(const WCHAR *wide, const char *ascii) {
  size_t i = 0;
  for (; ascii[i] != '\0'; ++i) {
    if (wide[i] != (WCHAR)ascii[i]) return false;
  }
  return wide[i] == 0;
}

/* B.1 steps 1-3 and B.6.6: the class key lists every adapter; only an exact ComponentId
 * (tap0901 or root\tap0901) is ours, a vendor fork is listed but not matched; unreadable
 * subkeys ("Properties") fail to open and are skipped. */
void registryMatchesComponentIdExactly(void) {
  char tap[TAP_EMU_GUID_STRING_LENGTH], rooted[TAP_EMU_GUID_STRING_LENGTH],
      fork[TAP_EMU_GUID_STRING_LENGTH];
  CHECK_EQ_U(TapEmuCreateAdapter(u"MagmaTap", NULL, tap), 0);
  CHECK_EQ_U(TapEmuCreateAdapter(u"MagmaRoot", "root\\tap0901", rooted), 0);
  CHECK_EQ_U(TapEmuCreateAdapter(u"VendorFork", "tapnordvpn", fork), 0);
  HKEY classKey;
  CHECK_EQ_U(api->RegOpenKeyExW(HKEY_LOCAL_MACHINE, CLASS_KEY, 0, KEY_READ, &classKey), 0);
  int matched = 0, unreadable = 0, foreign = 0;
  bool sawTap = false, sawRooted = false;
  for (DWORD index = 0; index < 100; ++index) {
    WCHAR name[256];
    DWORD nameLength = 256;
    LSTATUS status = api->RegEnumKeyExW(classKey, index, name, &nameLength, NULL, NULL, NULL, NULL);
    if (status == ERROR_NO_MORE_ITEMS) break;
    CHECK_EQ_U(status, 0);
    HKEY unit;
    status = api->RegOpenKeyExW(classKey, name, 0, KEY_READ, &unit);
    if (status != ERROR_SUCCESS) {
      CHECK_EQ_U(status, ERROR_ACCESS_DENIED);
      ++unreadable;
      continue;
    }
    WCHAR component[64], instance[64];
    readString(unit, u"ComponentId", component, sizeof component);
    if (wideIs(component, u"tap0901") || wideIs(component, u"root\\tap0901")) {
      ++matched;
      readString(unit, u"NetCfgInstanceId", instance, sizeof instance);
      sawTap = sawTap || (wideIsAscii(instance, tap) && wideIs(component, u"tap0901"));
      sawRooted = sawRooted || (wideIsAscii(instance, rooted) && wideIs(component, u"root\\tap0901"));
    } else {
      ++foreign;  /* the machine's NIC and the vendor fork */
    }
    CHECK_EQ_U(api->RegCloseKey(unit), 0);
  }
  CHECK_EQ_U(api->RegCloseKey(classKey), 0);
  CHECK_EQ_U(matched, 2);
  CHECK(sawTap && sawRooted, "tap %d rooted %d", sawTap, sawRooted);
  CHECK_EQ_U(foreign, 2);
  CHECK_EQ_U(unreadable, 1);
  CHECK(!registryListsTapAdapter(fork), "a vendor fork matched");
}

/* B.1 step 4: the friendly name is Connection\Name under the network key. */
void registryGivesConnectionName(void) {
  char guid[TAP_EMU_GUID_STRING_LENGTH];
  CHECK_EQ_U(TapEmuCreateAdapter(u"Magma Tap \u00e9", NULL, guid), 0);
  char16_t path[256];
  const char16_t *prefix = NETWORK_KEY u"\\";
  size_t used = 0;
  for (; prefix[used] != 0; ++used) path[used] = prefix[used];
  for (size_t i = 0; guid[i] != '\0'; ++i) path[used++] = (char16_t)guid[i];
  const char16_t *suffix = u"\\Connection";
  for (size_t i = 0; suffix[i] != 0; ++i) path[used++] = suffix[i];
  path[used] = 0;
  HKEY connection;
  CHECK_EQ_U(api->RegOpenKeyExW(HKEY_LOCAL_MACHINE, path, 0, KEY_READ, &connection), 0);
  WCHAR name[64];
  readString(connection, u"Name", name, sizeof name);
  CHECK(wideIs(name, u"Magma Tap \u00e9"), "wrong Connection\\Name");
  CHECK_EQ_U(api->RegCloseKey(connection), 0);
}

/* RegEnumKeyExW / RegQueryValueExW buffer rules (winreg.h): ERROR_MORE_DATA when too small, the
 * byte size (NUL included) on a size query, ERROR_FILE_NOT_FOUND for missing keys and values,
 * ERROR_NO_MORE_ITEMS at the end, ERROR_INVALID_HANDLE for a key that is not open. */
void registryReportsSizesAndMissingEntries(void) {
  char guid[TAP_EMU_GUID_STRING_LENGTH];
  CHECK_EQ_U(TapEmuCreateAdapter(u"Sizes", NULL, guid), 0);
  HKEY classKey;
  CHECK_EQ_U(api->RegOpenKeyExW(HKEY_LOCAL_MACHINE, CLASS_KEY, 0, KEY_READ, &classKey), 0);
  WCHAR name[8];
  DWORD nameLength = 4; /* "0000" needs 5 with its NUL */
  CHECK_EQ_U(api->RegEnumKeyExW(classKey, 0, name, &nameLength, NULL, NULL, NULL, NULL),
             ERROR_MORE_DATA);
  nameLength = 5;
  CHECK_EQ_U(api->RegEnumKeyExW(classKey, 0, name, &nameLength, NULL, NULL, NULL, NULL), 0);
  CHECK_EQ_U(nameLength, 4);
  CHECK_EQ_U(api->RegEnumKeyExW(classKey, 99, name, &nameLength, NULL, NULL, NULL, NULL),
             ERROR_NO_MORE_ITEMS);
  HKEY unit;
  CHECK_EQ_U(api->RegOpenKeyExW(classKey, u"0001", 0, KEY_READ, &unit), 0);
  DWORD size = 0;
  CHECK_EQ_U(api->RegQueryValueExW(unit, u"componentid", NULL, NULL, NULL, &size), 0);
  CHECK_EQ_U(size, sizeof(u"tap0901"));
  WCHAR small[4];
  size = sizeof small;
  CHECK_EQ_U(api->RegQueryValueExW(unit, u"ComponentId", NULL, NULL, (BYTE *)small, &size),
             ERROR_MORE_DATA);
  CHECK_EQ_U(size, sizeof(u"tap0901"));
  CHECK_EQ_U(api->RegQueryValueExW(unit, u"NoSuchValue", NULL, NULL, NULL, &size),
             ERROR_FILE_NOT_FOUND);
  CHECK_EQ_U(api->RegCloseKey(unit), 0);
  CHECK_EQ_U(api->RegOpenKeyExW(classKey, u"9999", 0, KEY_READ, &unit), ERROR_FILE_NOT_FOUND);
  CHECK_EQ_U(api->RegCloseKey(classKey), 0);
  CHECK_EQ_U(api->RegCloseKey(classKey), ERROR_INVALID_HANDLE);
  CHECK_EQ_U(api->RegQueryValueExW(classKey, u"ComponentId", NULL, NULL, NULL, &size),
             ERROR_INVALID_HANDLE);
}

/* B.1 caveat: a disabled (phantom) adapter stays in the class key; a deleted one leaves it. */
void registryKeepsPhantomsDropsDeleted(void) {
  char guid[TAP_EMU_GUID_STRING_LENGTH];
  CHECK_EQ_U(TapEmuCreateAdapter(u"Phantom", NULL, guid), 0);
  CHECK(registryListsTapAdapter(guid), "new adapter not listed");
  CHECK_EQ_U(TapEmuSetAdapterEnabled(guid, false), 0);
  CHECK(registryListsTapAdapter(guid), "phantom adapter not listed");
  CHECK_EQ_U(TapEmuDeleteAdapter(guid), 0);
  CHECK(!registryListsTapAdapter(guid), "deleted adapter still listed");
  CHECK_EQ_U(TapEmuDeleteAdapter(guid), ERROR_NOT_FOUND);
}
