#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

const TapWin32Api *api;

/* Before main (the shared harness's): every case reaches the emulator through its table. */
__attribute__((constructor)) static void bindEmulatedApi(void) { api = TapEmuWin32Api(); }

TestAdapter createTestAdapter(const char16_t *name) {
  TestAdapter made;
  DWORD status = TapEmuCreateAdapter(name, NULL, made.guid);
  CHECK(status == ERROR_SUCCESS, "TapEmuCreateAdapter failed with %u", status);
  CHECK(TapEmuGetInterfaceName(made.guid, made.ifname), "no interface for %s", made.guid);
  setInterfaceAddress(made.ifname, ADAPTER_ADDRESS, "255.255.255.0");
  return made;
}

void devicePath(const char *guid, WCHAR path[64]) {
  char text[64];
  snprintf(text, sizeof text, "\\\\.\\Global\\%s.tap", guid);
  size_t i = 0;
  for (; text[i] != '\0'; ++i) path[i] = (WCHAR)text[i];
  path[i] = 0;
}

HANDLE openDevice(const char *guid, DWORD *error) {
  WCHAR path[64];
  devicePath(guid, path);
  HANDLE device = api->CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                                   FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED, NULL);
  *error = device == INVALID_HANDLE_VALUE ? api->GetLastError() : 0;
  return device;
}

HANDLE openDeviceOrFail(const char *guid) {
  DWORD error;
  HANDLE device = openDevice(guid, &error);
  CHECK(device != INVALID_HANDLE_VALUE, "CreateFileW %s failed with %u", guid, error);
  return device;
}

DWORD deviceControl(HANDLE device, DWORD code, void *buffer, DWORD inLength, DWORD outLength,
                    DWORD *returned) {
  DWORD ignored;
  BOOL ok = api->DeviceIoControl(device, code, buffer, inLength, buffer, outLength,
                                 returned != NULL ? returned : &ignored, NULL);
  return ok ? 0 : api->GetLastError();
}

void setMediaStatus(HANDLE device, uint32_t status) {
  TapWinMediaStatus value = status;
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_SET_MEDIA_STATUS, &value, sizeof value,
                           sizeof value, NULL), 0);
}

void enterTunMode(HANDLE device) {
  TapWinConfigTun config;
  inet_pton(AF_INET, ADAPTER_ADDRESS, config.local);
  inet_pton(AF_INET, "198.18.0.0", config.network);
  inet_pton(AF_INET, "255.255.255.0", config.netmask);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_CONFIG_TUN, &config, sizeof config,
                           sizeof config, NULL), 0);
  setMediaStatus(device, 1);
}

void postRead(HANDLE device, PostedRead *read, DWORD length) {
  memset(&read->overlapped, 0, sizeof read->overlapped);
  read->overlapped.hEvent = api->CreateEventW(NULL, TRUE, FALSE, NULL);
  CHECK(read->overlapped.hEvent != NULL, "CreateEventW failed");
  read->length = length;
  DWORD got = 12345;
  BOOL ok = api->ReadFile(device, read->buffer, length, &got, &read->overlapped);
  DWORD error = api->GetLastError();
  CHECK(!ok && error == ERROR_IO_PENDING, "ReadFile: ok %d error %u, expected pending", ok, error);
}

long finishRead(HANDLE device, PostedRead *read, int timeoutMs, DWORD *bytes) {
  if (api->WaitForSingleObject(read->overlapped.hEvent, (DWORD)timeoutMs) != WAIT_OBJECT_0) {
    return -1;
  }
  *bytes = 0;
  BOOL ok = api->GetOverlappedResult(device, &read->overlapped, bytes, FALSE);
  return ok ? 0 : (long)api->GetLastError();
}

void closeEvent(PostedRead *read) {
  CHECK(api->CloseHandle(read->overlapped.hEvent), "CloseHandle(event) failed");
}

long readPacket(HANDLE device, uint8_t *packet, int timeoutMs) {
  PostedRead read;
  postRead(device, &read, sizeof read.buffer);
  DWORD bytes = 0;
  long status = finishRead(device, &read, timeoutMs, &bytes);
  if (status < 0) {
    /* The read may complete between the wait's timeout and the cancel: then CancelIoEx finds
     * nothing (ERROR_NOT_FOUND) and the packet is ours after all. */
    BOOL cancelled = api->CancelIoEx(device, &read.overlapped);
    CHECK(cancelled || api->GetLastError() == ERROR_NOT_FOUND, "CancelIoEx failed: %u",
          api->GetLastError());
    BOOL ok = api->GetOverlappedResult(device, &read.overlapped, &bytes, TRUE);
    DWORD error = ok ? 0 : api->GetLastError();
    if (!ok && error == ERROR_OPERATION_ABORTED) {
      closeEvent(&read);
      return -1;
    }
    status = (long)error;
  }
  CHECK(status == 0, "read failed with %ld", status);
  memcpy(packet, read.buffer, bytes);
  closeEvent(&read);
  return (long)bytes;
}

DWORD writePacket(HANDLE device, const void *packet, DWORD length) {
  OVERLAPPED overlapped;
  memset(&overlapped, 0, sizeof overlapped);
  overlapped.hEvent = api->CreateEventW(NULL, TRUE, FALSE, NULL);
  DWORD written = 0;
  BOOL ok = api->WriteFile(device, packet, length, &written, &overlapped);
  DWORD error = ok ? 0 : api->GetLastError();
  if (!ok && error == ERROR_IO_PENDING) {
    ok = api->GetOverlappedResult(device, &overlapped, &written, TRUE);
    error = ok ? 0 : api->GetLastError();
    if (ok) CHECK_EQ_U(written, length);
  }
  api->CloseHandle(overlapped.hEvent);
  return error;
}

int packetSocket(const char *ifname) {
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  CHECK(fd >= 0, "AF_PACKET socket: %s", strerror(errno));
  struct sockaddr_ll link = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
                             .sll_ifindex = (int)if_nametoindex(ifname)};
  CHECK(bind(fd, (struct sockaddr *)&link, sizeof link) == 0, "bind AF_PACKET: %s",
        strerror(errno));
  return fd;
}

bool neighbourEntry(const char *ifname, const char *address, uint8_t mac[6], char state[16]) {
  char command[160];
  snprintf(command, sizeof command, "ip neigh show %s dev %s", address, ifname);
  FILE *output = popen(command, "r");
  CHECK(output != NULL, "popen: %s", strerror(errno));
  char line[512] = {0};
  size_t got = fread(line, 1, sizeof line - 1, output);
  pclose(output);
  const char *lladdr = strstr(line, "lladdr ");
  if (got == 0 || lladdr == NULL) return false;
  unsigned m[6];
  char found[16] = {0};
  if (sscanf(lladdr, "lladdr %x:%x:%x:%x:%x:%x %15s", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
             found) != 7) {
    return false;
  }
  for (int i = 0; i < 6; ++i) mac[i] = (uint8_t)m[i];
  snprintf(state, 16, "%s", found);
  return true;
}

TapEmuCounters countersOf(const char *guid) {
  TapEmuCounters counters;
  CHECK(TapEmuGetCounters(guid, &counters), "no counters for %s", guid);
  return counters;
}

static bool wideEqualsIgnoringCase(const WCHAR *wide, const char *ascii) {
  size_t i = 0;
  for (; ascii[i] != '\0'; ++i) {
    WCHAR a = wide[i] >= u'a' && wide[i] <= u'z' ? (WCHAR)(wide[i] - 32) : wide[i];
    char b = ascii[i] >= 'a' && ascii[i] <= 'z' ? (char)(ascii[i] - 32) : ascii[i];
    if (a != (WCHAR)b) return false;
  }
  return wide[i] == 0;
}

bool registryListsTapAdapter(const char *guid) {
  HKEY classKey;
  CHECK_EQ_U(api->RegOpenKeyExW(HKEY_LOCAL_MACHINE, CLASS_KEY, 0, KEY_READ, &classKey), 0);
  bool found = false;
  for (DWORD index = 0; index < 1000 && !found; ++index) {
    WCHAR name[256];
    DWORD nameLength = 256;
    LSTATUS status = api->RegEnumKeyExW(classKey, index, name, &nameLength, NULL, NULL, NULL, NULL);
    if (status == ERROR_NO_MORE_ITEMS) break;
    CHECK_EQ_U(status, 0);
    HKEY unit;
    if (api->RegOpenKeyExW(classKey, name, 0, KEY_READ, &unit) != ERROR_SUCCESS) continue;
    WCHAR component[256];
    DWORD size = sizeof component;
    DWORD type = 0;
    if (api->RegQueryValueExW(unit, u"ComponentId", NULL, &type, (BYTE *)component, &size) == 0 &&
        type == REG_SZ &&
        (wideEqualsIgnoringCase(component, "tap0901") ||
         wideEqualsIgnoringCase(component, "root\\tap0901"))) {
      WCHAR instance[64];
      size = sizeof instance;
      if (api->RegQueryValueExW(unit, u"NetCfgInstanceId", NULL, NULL, (BYTE *)instance, &size) == 0) {
        found = wideEqualsIgnoringCase(instance, guid);
      }
    }
    api->RegCloseKey(unit);
  }
  api->RegCloseKey(classKey);
  return found;
}

void primePeer(HANDLE device, int socketFd) {
  udpSendToPeer(socketFd, 5353, "prime", 5);
  uint8_t packet[READ_BUFFER];
  CHECK(readPacket(device, packet, 2000) == 33, "the priming datagram did not arrive");
}

PrimedLink openPrimedLink(const char16_t *name) {
  PrimedLink link;
  link.adapter = createTestAdapter(name);
  link.device = openDeviceOrFail(link.adapter.guid);
  enterTunMode(link.device);
  link.socketFd = udpSocket(4000);
  primePeer(link.device, link.socketFd);
  return link;
}

void closePrimedLink(PrimedLink *link) {
  close(link->socketFd);
  CHECK(api->CloseHandle(link->device), "CloseHandle failed");
}
