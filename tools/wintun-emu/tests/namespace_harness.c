#define _GNU_SOURCE
#include "namespace_harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
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

uint64_t nowMs(void) { return nowUs() / 1000u; }

uint64_t nowUs(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
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

void writeProcFile(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return; /* no IPv6 in this kernel: nothing to silence */
  ssize_t written = write(fd, text, strlen(text));
  (void)written;
  close(fd);
}

static void setFlags(const char *ifname, short add) {
  int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CHECK(control >= 0, "socket: %s", strerror(errno));
  struct ifreq request;
  memset(&request, 0, sizeof request);
  snprintf(request.ifr_name, IFNAMSIZ, "%s", ifname);
  CHECK(ioctl(control, SIOCGIFFLAGS, &request) == 0, "SIOCGIFFLAGS %s: %s", ifname,
        strerror(errno));
  request.ifr_flags = (short)(request.ifr_flags | add);
  CHECK(ioctl(control, SIOCSIFFLAGS, &request) == 0, "SIOCSIFFLAGS %s: %s", ifname,
        strerror(errno));
  close(control);
}

void setInterfaceAddress(const char *ifname, const char *address, const char *netmask) {
  int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq request;
  memset(&request, 0, sizeof request);
  snprintf(request.ifr_name, IFNAMSIZ, "%s", ifname);
  struct sockaddr_in *in = (struct sockaddr_in *)&request.ifr_addr;
  in->sin_family = AF_INET;
  inet_pton(AF_INET, address, &in->sin_addr);
  CHECK(ioctl(control, SIOCSIFADDR, &request) == 0, "SIOCSIFADDR: %s", strerror(errno));
  inet_pton(AF_INET, netmask, &in->sin_addr);
  CHECK(ioctl(control, SIOCSIFNETMASK, &request) == 0, "SIOCSIFNETMASK: %s", strerror(errno));
  close(control);
}

/* LOWER_UP (the carrier) lies beyond the 16 bits SIOCGIFFLAGS returns, and the operstate behind
 * IFF_RUNNING follows it up to a second later, so ask rtnetlink through `ip`. */
bool interfaceHasCarrier(const char *ifname) {
  char command[128];
  snprintf(command, sizeof command, "ip -o link show dev %s", ifname);
  FILE *output = popen(command, "r");
  CHECK(output != NULL, "popen: %s", strerror(errno));
  char line[1024] = {0};
  size_t got = fread(line, 1, sizeof line - 1, output);
  line[got] = '\0';
  int status = pclose(output);
  CHECK(status == 0 && got > 0, "%s failed (%d)", command, status);
  const char *flagsEnd = strchr(line, '>');
  const char *lowerUp = strstr(line, "LOWER_UP");
  return lowerUp != NULL && flagsEnd != NULL && lowerUp < flagsEnd;
}

int udpSocket(uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  CHECK(fd >= 0, "socket: %s", strerror(errno));
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
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

void udpFloodPeer(int fd, uint16_t peerPort, const char *text, int count, const atomic_bool *stop) {
  struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(peerPort)};
  inet_pton(AF_INET, PEER_ADDRESS, &peer.sin_addr);
  size_t length = strlen(text);
  for (int i = 0; i < count && !atomic_load(stop); ++i) {
    sendto(fd, text, length, 0, (struct sockaddr *)&peer, sizeof peer);
    if (i % 64 == 63) sleepMs(1);
  }
}

long udpReceive(int fd, void *buffer, size_t capacity, int timeoutMs) {
  struct pollfd wait = {fd, POLLIN, 0};
  if (poll(&wait, 1, timeoutMs) <= 0) return -1;
  return (long)recv(fd, buffer, capacity, 0);
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
  if (length > 0) memcpy(out + 28, payload, length); /* UDP checksum 0: none, valid on IPv4 */
  return total;
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
    _exit(0); /* no abort: the parent reports it */
  }
  close(pipeFds[1]);
  char output[8192];
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
    fprintf(stderr, "child status %d (aborted %d), expected \"%s\" in stderr:\n%s\n", status,
            aborted, expected, output);
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
  setFlags("lo", IFF_UP);
  writeProcFile("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
  writeProcFile("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
  signal(SIGALRM, onWatchdog);
  alarm(60);
  chosen->run();
  return 0;
}
