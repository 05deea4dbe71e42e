#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { EXIT_SKIP = 77 };

const TapWin32Api *api;

uint64_t nowMs(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

void sleepMs(int milliseconds) {
  struct timespec pause = {milliseconds / 1000, (long)(milliseconds % 1000) * 1000000L};
  while (nanosleep(&pause, &pause) != 0 && errno == EINTR) {
  }
}

void runCommand(const char *format, ...) {
  char command[512];
  va_list args;
  va_start(args, format);
  vsnprintf(command, sizeof command, format, args);
  va_end(args);
  int status = system(command);
  CHECK(status == 0, "command failed (%d): %s", status, command);
}

void writeProc(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return; /* no IPv6 in this kernel: nothing to set */
  ssize_t written = write(fd, text, strlen(text));
  (void)written;
  close(fd);
}

static int controlSocket(void) {
  int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CHECK(control >= 0, "socket: %s", strerror(errno));
  return control;
}

static void bringUpLoopback(void) {
  int control = controlSocket();
  struct ifreq request;
  memset(&request, 0, sizeof request);
  snprintf(request.ifr_name, IFNAMSIZ, "lo");
  CHECK(ioctl(control, SIOCGIFFLAGS, &request) == 0, "SIOCGIFFLAGS lo: %s", strerror(errno));
  request.ifr_flags = (short)(request.ifr_flags | IFF_UP);
  CHECK(ioctl(control, SIOCSIFFLAGS, &request) == 0, "SIOCSIFFLAGS lo: %s", strerror(errno));
  close(control);
}

TestAdapter createTestAdapter(const char16_t *name) {
  TestAdapter made;
  DWORD status = TapEmuCreateAdapter(name, NULL, made.guid);
  CHECK(status == ERROR_SUCCESS, "TapEmuCreateAdapter failed with %u", status);
  CHECK(TapEmuGetInterfaceName(made.guid, made.ifname), "no interface for %s", made.guid);
  int control = controlSocket();
  struct ifreq request;
  memset(&request, 0, sizeof request);
  snprintf(request.ifr_name, IFNAMSIZ, "%s", made.ifname);
  struct sockaddr_in *in = (struct sockaddr_in *)&request.ifr_addr;
  in->sin_family = AF_INET;
  inet_pton(AF_INET, ADAPTER_ADDRESS, &in->sin_addr);
  CHECK(ioctl(control, SIOCSIFADDR, &request) == 0, "SIOCSIFADDR: %s", strerror(errno));
  inet_pton(AF_INET, "255.255.255.0", &in->sin_addr);
  CHECK(ioctl(control, SIOCSIFNETMASK, &request) == 0, "SIOCSIFNETMASK: %s", strerror(errno));
  close(control);
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

/* LOWER_UP (the carrier) lies beyond the 16 bits SIOCGIFFLAGS returns: ask rtnetlink via `ip`. */
bool interfaceHasCarrier(const char *ifname) {
  char command[128];
  snprintf(command, sizeof command, "ip -o link show dev %s", ifname);
  FILE *output = popen(command, "r");
  CHECK(output != NULL, "popen: %s", strerror(errno));
  char line[1024] = {0};
  size_t got = fread(line, 1, sizeof line - 1, output);
  int status = pclose(output);
  CHECK(status == 0 && got > 0, "%s failed (%d)", command, status);
  const char *flagsEnd = strchr(line, '>');
  const char *lowerUp = strstr(line, "LOWER_UP");
  return lowerUp != NULL && flagsEnd != NULL && lowerUp < flagsEnd;
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
    CHECK(api->CancelIoEx(device, &read.overlapped), "CancelIoEx failed: %u", api->GetLastError());
    CHECK(!api->GetOverlappedResult(device, &read.overlapped, &bytes, TRUE) &&
              api->GetLastError() == ERROR_OPERATION_ABORTED,
          "cancelled read did not report ERROR_OPERATION_ABORTED");
    closeEvent(&read);
    return -1;
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

int udpSocket(uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CHECK(fd >= 0, "socket: %s", strerror(errno));
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, ADAPTER_ADDRESS, &local.sin_addr);
  CHECK(bind(fd, (struct sockaddr *)&local, sizeof local) == 0, "bind: %s", strerror(errno));
  return fd;
}

void udpSendToPeer(int fd, uint16_t peerPort, const void *payload, size_t length) {
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(peerPort)};
  inet_pton(AF_INET, PEER_ADDRESS, &peer.sin_addr);
  ssize_t sent = sendto(fd, payload, length, 0, (struct sockaddr *)&peer, sizeof peer);
  CHECK(sent == (ssize_t)length, "sendto: %s", strerror(errno));
}

long udpReceive(int fd, void *buffer, size_t capacity, int timeoutMs) {
  struct pollfd wait = {fd, POLLIN, 0};
  if (poll(&wait, 1, timeoutMs) <= 0) return -1;
  return (long)recv(fd, buffer, capacity, 0);
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

static uint16_t ipChecksum(const uint8_t *header, size_t length) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < length; i += 2) sum += (uint32_t)(header[i] << 8 | header[i + 1]);
  while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
  return (uint16_t)~sum;
}

size_t buildUdp4(uint8_t *out, const char *source, const char *destination, uint16_t sourcePort,
                 uint16_t destinationPort, const void *payload, size_t length) {
  size_t total = 28 + length;
  memset(out, 0, 28);
  out[0] = 0x45;
  out[2] = (uint8_t)(total >> 8);
  out[3] = (uint8_t)total;
  out[8] = 64;
  out[9] = 17;
  inet_pton(AF_INET, source, out + 12);
  inet_pton(AF_INET, destination, out + 16);
  uint16_t checksum = ipChecksum(out, 20);
  out[10] = (uint8_t)(checksum >> 8);
  out[11] = (uint8_t)checksum;
  out[20] = (uint8_t)(sourcePort >> 8);
  out[21] = (uint8_t)sourcePort;
  out[22] = (uint8_t)(destinationPort >> 8);
  out[23] = (uint8_t)destinationPort;
  out[24] = (uint8_t)((8 + length) >> 8);
  out[25] = (uint8_t)(8 + length);
  memcpy(out + 28, payload, length); /* UDP checksum 0: none, valid on IPv4 */
  return total;
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

bool abortsWithMessage(void (*body)(void), const char *expected) {
  int pipeFds[2];
  CHECK(pipe(pipeFds) == 0, "pipe: %s", strerror(errno));
  fflush(NULL);
  pid_t child = fork();
  CHECK(child >= 0, "fork: %s", strerror(errno));
  if (child == 0) {
    dup2(pipeFds[1], STDERR_FILENO);
    close(pipeFds[0]);
    body();
    _exit(0);
  }
  close(pipeFds[1]);
  char output[4096];
  size_t used = 0;
  uint64_t deadline = nowMs() + 20000;
  while (used + 1 < sizeof output && nowMs() < deadline) {
    struct pollfd wait = {pipeFds[0], POLLIN, 0};
    if (poll(&wait, 1, 200) <= 0) continue;
    ssize_t got = read(pipeFds[0], output + used, sizeof output - 1 - used);
    if (got <= 0) break;
    used += (size_t)got;
  }
  output[used] = '\0';
  close(pipeFds[0]);
  int status = 0;
  if (waitpid(child, &status, WNOHANG) == 0) {
    sleepMs(100);
    if (waitpid(child, &status, WNOHANG) == 0) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      fprintf(stderr, "child did not end; stderr was:\n%s\n", output);
      return false;
    }
  }
  bool aborted = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
  bool named = strstr(output, expected) != NULL;
  if (!aborted || !named) {
    fprintf(stderr, "child status %d, expected an abort naming \"%s\"; stderr:\n%s\n", status,
            expected, output);
  }
  return aborted && named;
}

/* ---- main ---- */

extern const TestCase testCases[];
extern const size_t testCaseCount;

static void onWatchdog(int signalNumber) {
  (void)signalNumber;
  static const char message[] = "test timed out (watchdog)\n";
  ssize_t written = write(STDERR_FILENO, message, sizeof message - 1);
  (void)written;
  _exit(1);
}

static int unavailable(const char *why) {
  const char *require = getenv("MAGMA_REQUIRE_TUN");
  if (require != NULL && strcmp(require, "1") == 0) {
    fprintf(stderr, "MAGMA_REQUIRE_TUN=1 but %s: these tests need root, /dev/net/tun and network "
                    "namespaces\n", why);
    return 1;
  }
  fprintf(stderr, "skipped: %s\n", why);
  return EXIT_SKIP;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <case>\n", argv[0]);
    return 2;
  }
  const TestCase *chosen = NULL;
  for (size_t i = 0; i < testCaseCount; ++i) {
    if (strcmp(testCases[i].name, argv[1]) == 0) chosen = &testCases[i];
  }
  if (chosen == NULL) {
    fprintf(stderr, "unknown case %s\n", argv[1]);
    return 2;
  }
  if (geteuid() != 0) return unavailable("not running as root");
  if (access("/dev/net/tun", R_OK | W_OK) != 0) return unavailable("/dev/net/tun is missing");
  if (unshare(CLONE_NEWNET) != 0) return unavailable("unshare(CLONE_NEWNET) failed");
  bringUpLoopback();
  writeProc("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
  writeProc("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
  api = TapEmuWin32Api();
  signal(SIGALRM, onWatchdog);
  alarm(60);
  chosen->run();
  return 0;
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
