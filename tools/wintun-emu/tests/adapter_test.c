/* Adapters: names, GUID, LUID, open/close semantics, driver version, DeleteDriver, errors and
 * the logger. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "cases.h"
#include "harness.h"

void createNamesInterfaceAfterValidAdapterName(void) {
  WINTUN_ADAPTER_HANDLE adapter = WintunCreateAdapter(W("magma.test-0"), W("Magma"), NULL);
  CHECK(adapter != NULL, "create failed: %u", WintunEmuGetLastError());
  char ifname[16];
  interfaceNameOf(adapter, ifname);
  CHECK(strcmp(ifname, "magma.test-0") == 0, "interface is %s", ifname);
  CHECK(interfaceIndex("magma.test-0") != 0, "interface not in the kernel");
  WintunCloseAdapter(adapter);
}

/* The interface's alias, as `ip -o link` shows it after "alias " (sysfs shows the namespace it
 * was mounted in, not this one). */
static void aliasOf(const char *ifname, char *alias, size_t capacity) {
  char command[64];
  snprintf(command, sizeof command, "ip -o link show dev %s", ifname);
  FILE *output = popen(command, "r");
  CHECK(output != NULL, "popen: %s", strerror(errno));
  char line[1024] = {0};
  size_t got = fread(line, 1, sizeof line - 1, output);
  line[got] = '\0';
  CHECK(pclose(output) == 0, "%s failed", command);
  const char *found = strstr(line, "    alias ");
  CHECK(found != NULL, "%s has no alias: %s", ifname, line);
  found += strlen("    alias ");
  size_t length = strcspn(found, "\n");
  CHECK(length < capacity, "alias too long");
  memcpy(alias, found, length);
  alias[length] = '\0';
}

static bool isHexSuffix(const char *text) {
  if (strlen(text) != 5 || text[0] != '-') return false;
  for (int i = 1; i < 5; ++i) {
    if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f'))) return false;
  }
  return true;
}

void createDerivesInterfaceNameOtherwise(void) {
  const WINTUN_WCHAR *names[] = {W("Magma Tunnel"), W("magma-name-too-long"), W("Mägma"), W(".."),
                                 W("Сеть")};
  const char *prefixes[] = {"Magma-Tunn", "magma-name", "M-gma", "..", "wintun"};
  const char *aliases[] = {"Magma Tunnel", "magma-name-too-long", "Mägma", "..", "Сеть"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    WINTUN_ADAPTER_HANDLE adapter = WintunCreateAdapter(names[i], W("Magma"), NULL);
    CHECK(adapter != NULL, "create %zu failed: %u", i, WintunEmuGetLastError());
    char ifname[16];
    interfaceNameOf(adapter, ifname);
    size_t prefix = strlen(prefixes[i]);
    CHECK(strncmp(ifname, prefixes[i], prefix) == 0 && isHexSuffix(ifname + prefix),
          "derived name is %s, expected %s-xxxx", ifname, prefixes[i]);
    CHECK(interfaceIndex(ifname) != 0, "interface %s not in the kernel", ifname);
    char alias[256];
    aliasOf(ifname, alias, sizeof alias);
    CHECK(strcmp(alias, aliases[i]) == 0, "alias of %s is \"%s\"", ifname, alias);
    WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(names[i]);
    CHECK(opened != NULL, "open by the Wintun name failed: %u", WintunEmuGetLastError());
    WintunCloseAdapter(opened);
    WintunCloseAdapter(adapter);
    /* The same name gives the same interface name again. */
    adapter = WintunCreateAdapter(names[i], W("Magma"), NULL);
    CHECK(adapter != NULL, "create %zu again failed: %u", i, WintunEmuGetLastError());
    char again[16];
    interfaceNameOf(adapter, again);
    CHECK(strcmp(again, ifname) == 0, "second interface is %s, first was %s", again, ifname);
    WintunCloseAdapter(adapter);
  }
}

void takenInterfaceNameGetsNumberedSuffix(void) {
  WINTUN_ADAPTER_HANDLE older = WintunCreateAdapter(W("taken0"), W("Magma"), NULL);
  CHECK(older != NULL, "create failed: %u", WintunEmuGetLastError());
  /* A name held by an interface that is no adapter (a persistent TUN) is skipped. */
  runCommand("ip tuntap add taken0-1 mode tun");
  /* A duplicate Wintun name: the older keeps its interface, the newer takes the next suffix. */
  WINTUN_ADAPTER_HANDLE newer = WintunCreateAdapter(W("taken0"), W("Magma"), NULL);
  CHECK(newer != NULL, "create failed: %u", WintunEmuGetLastError());
  char newerName[16];
  interfaceNameOf(newer, newerName);
  CHECK(strcmp(newerName, "taken0-2") == 0, "interface is %s", newerName);
  char alias[256];
  aliasOf("taken0", alias, sizeof alias);
  CHECK(strcmp(alias, "taken0 1") == 0, "older alias is \"%s\"", alias);
  aliasOf("taken0-2", alias, sizeof alias);
  CHECK(strcmp(alias, "taken0") == 0, "newer alias is \"%s\"", alias);
  /* A 15-character name keeps 13 of them before the suffix. */
  WINTUN_ADAPTER_HANDLE first = WintunCreateAdapter(W("fifteen-chars-x"), W("Magma"), NULL);
  CHECK(first != NULL, "create failed: %u", WintunEmuGetLastError());
  WINTUN_ADAPTER_HANDLE longest = WintunCreateAdapter(W("fifteen-chars-x"), W("Magma"), NULL);
  CHECK(longest != NULL, "create failed: %u", WintunEmuGetLastError());
  char ifname[16];
  interfaceNameOf(longest, ifname);
  CHECK(strcmp(ifname, "fifteen-chars-1") == 0, "interface is %s", ifname);
  WintunCloseAdapter(longest);
  WintunCloseAdapter(first);
  WintunCloseAdapter(newer);
  WintunCloseAdapter(older);
}

void longNameKeepsHashedAlias(void) {
  /* 127 CJK characters: 381 bytes of UTF-8, more than an alias holds. */
  WINTUN_WCHAR name[128], other[128];
  for (int i = 0; i < 127; ++i) name[i] = other[i] = (WINTUN_WCHAR)(0x65E5 + i % 7);
  name[127] = other[127] = 0;
  other[126] = 0x6708;
  WINTUN_ADAPTER_HANDLE adapter = WintunCreateAdapter(name, W("Magma"), NULL);
  CHECK(adapter != NULL, "create failed: %u", WintunEmuGetLastError());
  char ifname[16];
  interfaceNameOf(adapter, ifname);
  char alias[256];
  aliasOf(ifname, alias, sizeof alias);
  CHECK(strlen(alias) <= 255 && strchr(alias, '~') != NULL, "alias is \"%s\" (%zu bytes)", alias,
        strlen(alias));
  WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(name);
  CHECK(opened != NULL, "open by the long name failed: %u", WintunEmuGetLastError());
  WintunCloseAdapter(opened);
  CHECK(WintunOpenAdapter(other) == NULL, "a name differing in its last character opened it");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NOT_FOUND);
  WintunCloseAdapter(adapter);
}

void duplicateOfLongestNameFailsWithBufferOverflow(void) {
  WINTUN_WCHAR name[128];
  for (int i = 0; i < 126; ++i) name[i] = (WINTUN_WCHAR)('a' + i % 26);
  name[126] = 0;
  WINTUN_ADAPTER_HANDLE older = WintunCreateAdapter(name, W("Magma"), NULL);
  CHECK(older != NULL, "create failed: %u", WintunEmuGetLastError());
  /* "<Name> 1" would be 128 units: wintun.dll cannot rename the older holder. */
  CHECK(WintunCreateAdapter(name, W("Magma"), NULL) == NULL, "duplicate created");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_BUFFER_OVERFLOW);
  runCommand("test $(ip -o link show type tun | wc -l) -eq 1");
  WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(name);
  CHECK(opened != NULL, "older adapter lost its name: %u", WintunEmuGetLastError());
  WintunCloseAdapter(opened);
  WintunCloseAdapter(older);
}

static void fill(WINTUN_WCHAR *text, size_t units) {
  for (size_t i = 0; i < units; ++i) text[i] = (WINTUN_WCHAR)('a' + i % 26);
  text[units] = 0;
}

void createEnforcesNameAndTunnelTypeLimits(void) {
  WINTUN_WCHAR text[200];
  fill(text, 128);
  errno = 0;
  CHECK(WintunCreateAdapter(text, W("Magma"), NULL) == NULL, "128-unit name accepted");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_BUFFER_OVERFLOW);
  CHECK_EQ_U(errno, WINTUN_ERROR_BUFFER_OVERFLOW);
  fill(text, 127);
  WINTUN_ADAPTER_HANDLE longest = WintunCreateAdapter(text, W("Magma"), NULL);
  CHECK(longest != NULL, "127-unit name refused: %u", WintunEmuGetLastError());
  WintunCloseAdapter(longest);
  fill(text, 129);
  CHECK(WintunCreateAdapter(W("tt"), text, NULL) == NULL, "129-unit tunnel type accepted");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_BUFFER_OVERFLOW);
  fill(text, 128);
  WINTUN_ADAPTER_HANDLE typed = WintunCreateAdapter(W("tt"), text, NULL);
  CHECK(typed != NULL, "128-unit tunnel type refused: %u", WintunEmuGetLastError());
  WintunCloseAdapter(typed);
}

void createKeepsRequestedGuidOrGeneratesOne(void) {
  GUID requested = {0x12345678, 0x9abc, 0xdef0, {1, 2, 3, 4, 5, 6, 7, 8}};
  WINTUN_ADAPTER_HANDLE fixed = WintunCreateAdapter(W("fixed"), W("Magma"), &requested);
  WINTUN_ADAPTER_HANDLE first = WintunCreateAdapter(W("random1"), W("Magma"), NULL);
  WINTUN_ADAPTER_HANDLE second = WintunCreateAdapter(W("random2"), W("Magma"), NULL);
  CHECK(fixed && first && second, "create failed: %u", WintunEmuGetLastError());
  GUID got, a, b;
  CHECK(WintunEmuGetAdapterGuid(fixed, &got), "no GUID");
  CHECK(memcmp(&got, &requested, sizeof got) == 0, "requested GUID not kept");
  WintunEmuGetAdapterGuid(first, &a);
  WintunEmuGetAdapterGuid(second, &b);
  CHECK(memcmp(&a, &b, sizeof a) != 0, "generated GUIDs repeat");
  CHECK((a.Data3 >> 12) == 4 && (a.Data4[0] & 0xC0) == 0x80, "generated GUID is not version 4");
  WintunCloseAdapter(second);
  WintunCloseAdapter(first);
  WintunCloseAdapter(fixed);
}

void luidEncodesInterfaceIndex(void) {
  TestAdapter made = createTestAdapter(W("luid0"));
  WINTUN_NET_LUID luid;
  WintunGetAdapterLUID(made.adapter, &luid);
  uint64_t expected = (53ull << 48) | ((uint64_t)interfaceIndex(made.ifname) << 24);
  CHECK(luid.Value == expected, "LUID %llx, expected %llx", (unsigned long long)luid.Value,
        (unsigned long long)expected);
  WintunCloseAdapter(made.adapter);
}

void openMatchesNameIgnoringCase(void) {
  TestAdapter made = createTestAdapter(W("Magma-One"));
  WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(W("mAGMA-oNE"));
  CHECK(opened != NULL, "open failed: %u", WintunEmuGetLastError());
  WINTUN_NET_LUID a, b;
  WintunGetAdapterLUID(made.adapter, &a);
  WintunGetAdapterLUID(opened, &b);
  CHECK(a.Value == b.Value, "opened a different adapter");
  errno = 0;
  CHECK(WintunOpenAdapter(W("Magma-Two")) == NULL, "opened a missing adapter");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NOT_FOUND);
  CHECK_EQ_U(errno, WINTUN_ERROR_NOT_FOUND);
  WintunCloseAdapter(opened);
  WintunCloseAdapter(made.adapter);
}

void closingOpenedHandleKeepsAdapter(void) {
  TestAdapter made = createTestAdapter(W("keep0"));
  WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(W("keep0"));
  CHECK(opened != NULL, "open failed: %u", WintunEmuGetLastError());
  WINTUN_SESSION_HANDLE session = WintunStartSession(opened, TEST_CAPACITY);
  CHECK(session != NULL, "session on the opened handle failed: %u", WintunEmuGetLastError());
  WintunCloseAdapter(opened);
  CHECK(interfaceIndex(made.ifname) != 0, "closing the opened handle removed the interface");
  CHECK(interfaceHasCarrier(made.ifname), "closing the opened handle ended the session");
  BYTE *slot = WintunAllocateSendPacket(session, 40);
  CHECK(slot != NULL, "session dead after closing the opened handle: %u", WintunEmuGetLastError());
  memset(slot, 0, 40);
  WintunSendPacket(session, slot);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
  CHECK(interfaceIndex(made.ifname) == 0, "closing the created handle left the interface");
}

void duplicateNameRenamesOlderAdapter(void) {
  WINTUN_ADAPTER_HANDLE older = WintunCreateAdapter(W("dup"), W("Magma"), NULL);
  WINTUN_ADAPTER_HANDLE newer = WintunCreateAdapter(W("dup"), W("Magma"), NULL);
  CHECK(older && newer, "create failed: %u", WintunEmuGetLastError());
  WINTUN_NET_LUID olderLuid, newerLuid, luid;
  WintunGetAdapterLUID(older, &olderLuid);
  WintunGetAdapterLUID(newer, &newerLuid);
  CHECK(olderLuid.Value != newerLuid.Value, "two adapters share a LUID");
  WINTUN_ADAPTER_HANDLE byName = WintunOpenAdapter(W("dup"));
  CHECK(byName != NULL, "open dup failed");
  WintunGetAdapterLUID(byName, &luid);
  CHECK(luid.Value == newerLuid.Value, "\"dup\" is not the newer adapter");
  WINTUN_ADAPTER_HANDLE renamed = WintunOpenAdapter(W("dup 1"));
  CHECK(renamed != NULL, "older adapter not renamed to \"dup 1\": %u", WintunEmuGetLastError());
  WintunGetAdapterLUID(renamed, &luid);
  CHECK(luid.Value == olderLuid.Value, "\"dup 1\" is not the older adapter");
  WintunCloseAdapter(renamed);
  WintunCloseAdapter(byName);
  WintunCloseAdapter(newer);
  WintunCloseAdapter(older);
}

void driverVersionWhileAdaptersExist(void) {
  errno = 0;
  CHECK_EQ_U(WintunGetRunningDriverVersion(), 0);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_FILE_NOT_FOUND);
  CHECK_EQ_U(errno, WINTUN_ERROR_FILE_NOT_FOUND);
  TestAdapter made = createTestAdapter(W("ver0"));
  CHECK_EQ_U(WintunGetRunningDriverVersion(), 0x000E);
  WintunCloseAdapter(made.adapter);
  CHECK_EQ_U(WintunGetRunningDriverVersion(), 0);
}

void deleteDriverRefusedWhileAdaptersExist(void) {
  TestAdapter made = createTestAdapter(W("del0"));
  CHECK(!WintunDeleteDriver(), "DeleteDriver succeeded with an adapter present");
  CHECK(WintunEmuGetLastError() != 0, "no last error");
  WintunCloseAdapter(made.adapter);
  CHECK(WintunDeleteDriver(), "DeleteDriver failed without adapters: %u", WintunEmuGetLastError());
}

void successLeavesLastErrorAlone(void) {
  CHECK(WintunOpenAdapter(W("missing")) == NULL, "opened a missing adapter");
  CHECK_EQ_U(errno, WINTUN_ERROR_NOT_FOUND);
  TestAdapter made = createTestAdapter(W("err0"));
  WINTUN_SESSION_HANDLE session = WintunStartSession(made.adapter, TEST_CAPACITY);
  CHECK(session != NULL, "start failed");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NOT_FOUND);
  CHECK(WintunGetRunningDriverVersion() == 0x0E, "version");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NOT_FOUND);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

static void *otherThreadLastError(void *unused) {
  (void)unused;
  return (void *)(uintptr_t)WintunEmuGetLastError();
}

void lastErrorIsPerThread(void) {
  CHECK(WintunOpenAdapter(W("missing")) == NULL, "opened a missing adapter");
  pthread_t thread;
  void *seen = NULL;
  pthread_create(&thread, NULL, otherThreadLastError, NULL);
  pthread_join(thread, &seen);
  CHECK((uintptr_t)seen == 0, "another thread sees %lu", (unsigned long)(uintptr_t)seen);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NOT_FOUND);
}

enum { kMaxLogged = 64 };
static struct {
  WINTUN_LOGGER_LEVEL level;
  DWORD64 timestamp;
  char text[256];
} logged[kMaxLogged];
static int loggedCount;

static void recordLog(WINTUN_LOGGER_LEVEL level, DWORD64 timestamp, const WINTUN_WCHAR *message) {
  if (loggedCount >= kMaxLogged) return;
  logged[loggedCount].level = level;
  logged[loggedCount].timestamp = timestamp;
  size_t i = 0;
  for (; message[i] != 0 && i + 1 < sizeof logged[0].text; ++i) {
    logged[loggedCount].text[i] = message[i] < 0x80 ? (char)message[i] : '?';
  }
  logged[loggedCount].text[i] = '\0';
  ++loggedCount;
}

static int findLog(WINTUN_LOGGER_LEVEL level, const char *fragment) {
  for (int i = 0; i < loggedCount; ++i) {
    if (logged[i].level == level && strstr(logged[i].text, fragment) != NULL) return i;
  }
  return -1;
}

void loggerReportsLifecycleAndFailures(void) {
  WintunSetLogger(recordLog);
  TestAdapter made = createTestAdapter(W("log0"));
  WINTUN_SESSION_HANDLE session = WintunStartSession(made.adapter, TEST_CAPACITY);
  CHECK(WintunStartSession(made.adapter, TEST_CAPACITY) == NULL, "second session started");
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
  CHECK(WintunOpenAdapter(W("log0")) == NULL, "opened a removed adapter");
  WintunSetLogger(NULL);
  CHECK(findLog(WINTUN_LOG_INFO, "Created adapter \"log0\"") >= 0, "no creation message");
  CHECK(findLog(WINTUN_LOG_INFO, "Session started") >= 0, "no session start message");
  CHECK(findLog(WINTUN_LOG_ERR, "(Code 0x000004DF)") >= 0, "no failure message for 1247");
  CHECK(findLog(WINTUN_LOG_INFO, "Session ended") >= 0, "no session end message");
  CHECK(findLog(WINTUN_LOG_INFO, "Removed adapter \"log0\"") >= 0, "no removal message");
  int missing = findLog(WINTUN_LOG_ERR, "Failed to find matching adapter name");
  CHECK(missing >= 0 && strstr(logged[missing].text, "(Code 0x00000490)"), "no 1168 message");
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  uint64_t fileTimeNow = 116444736000000000ull + (uint64_t)now.tv_sec * 10000000ull;
  for (int i = 0; i < loggedCount; ++i) {
    CHECK(logged[i].timestamp <= fileTimeNow + 10000000ull &&
              logged[i].timestamp + 600000000ull >= fileTimeNow,
          "timestamp %llu is not a FILETIME near now", (unsigned long long)logged[i].timestamp);
  }
}
