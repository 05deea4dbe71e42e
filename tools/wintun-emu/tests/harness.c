#define _GNU_SOURCE
#include "harness.h"

#include <arpa/inet.h>
#include <dirent.h>
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

void interfaceNameOf(WINTUN_ADAPTER_HANDLE adapter, char ifname[16]) {
  CHECK(WintunEmuGetInterfaceName(adapter, ifname, 16), "no interface name");
}

unsigned interfaceIndex(const char *ifname) { return if_nametoindex(ifname); }

TestAdapter createTestAdapter(const WINTUN_WCHAR *name) {
  TestAdapter made;
  made.adapter = WintunCreateAdapter(name, W("Magma"), NULL);
  CHECK(made.adapter != NULL, "WintunCreateAdapter failed with %u", WintunEmuGetLastError());
  interfaceNameOf(made.adapter, made.ifname);
  setInterfaceAddress(made.ifname, ADAPTER_ADDRESS, "255.255.255.0");
  return made;
}

WINTUN_SESSION_HANDLE startTestSessionWith(WINTUN_ADAPTER_HANDLE adapter, DWORD capacity) {
  WINTUN_SESSION_HANDLE session = WintunStartSession(adapter, capacity);
  CHECK(session != NULL, "start session failed: %u", WintunEmuGetLastError());
  return session;
}

WINTUN_SESSION_HANDLE startTestSession(WINTUN_ADAPTER_HANDLE adapter) {
  return startTestSessionWith(adapter, TEST_CAPACITY);
}

WINTUN_EMU_COUNTERS sessionCounters(WINTUN_SESSION_HANDLE session) {
  WINTUN_EMU_COUNTERS counters;
  CHECK(WintunEmuGetSessionCounters(session, &counters), "no counters");
  return counters;
}

void expectReceivingWorks(WINTUN_SESSION_HANDLE session, uint16_t localPort) {
  int socketFd = udpSocket(localPort);
  udpSendToPeer(socketFd, 5353, "still", 5);
  DWORD size = 0;
  BYTE *packet = receiveWithin(session, &size, 2000);
  CHECK(packet != NULL && size == 33, "receiving stopped with the send ring");
  WintunReleaseReceivePacket(session, packet);
  close(socketFd);
}

bool waitReadEvent(WINTUN_SESSION_HANDLE session, int timeoutMs) {
  int fd = (int)(intptr_t)WintunGetReadWaitEvent(session);
  struct pollfd wait = {fd, POLLIN, 0};
  if (poll(&wait, 1, timeoutMs) <= 0) return false;
  uint64_t value;
  return read(fd, &value, sizeof value) == sizeof value;
}

BYTE *receiveWithin(WINTUN_SESSION_HANDLE session, DWORD *size, int timeoutMs) {
  uint64_t deadline = nowMs() + (uint64_t)timeoutMs;
  while (true) {
    BYTE *packet = WintunReceivePacket(session, size);
    if (packet != NULL) return packet;
    if (WintunEmuGetLastError() != WINTUN_ERROR_NO_MORE_ITEMS) return NULL;
    uint64_t now = nowMs();
    if (now >= deadline) return NULL;
    waitReadEvent(session, (int)(deadline - now));
  }
}

bool sendToKernel(WINTUN_SESSION_HANDLE session, const uint8_t *packet, size_t length) {
  BYTE *slot = WintunAllocateSendPacket(session, (DWORD)length);
  if (slot == NULL) return false;
  memcpy(slot, packet, length);
  WintunSendPacket(session, slot);
  return true;
}

void expectEndOfSession(WINTUN_SESSION_HANDLE session) {
  uint64_t deadline = nowMs() + 3000;
  BYTE *packet;
  DWORD size;
  while ((packet = WintunReceivePacket(session, &size)) != NULL ||
         WintunEmuGetLastError() != WINTUN_ERROR_HANDLE_EOF) {
    if (packet != NULL) WintunReleaseReceivePacket(session, packet);
    CHECK(nowMs() < deadline, "ReceivePacket never reported EOF (last %u)", WintunEmuGetLastError());
    waitReadEvent(session, 10);
  }
  CHECK_EQ_U(errno, WINTUN_ERROR_HANDLE_EOF);
  while (WintunAllocateSendPacket(session, 20) != NULL) {
    CHECK(nowMs() < deadline, "AllocateSendPacket never reported EOF");
    sleepMs(1);
  }
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_HANDLE_EOF);
}

int kernelToAppSequence(WINTUN_SESSION_HANDLE session, int socketFd, int packets, uint32_t *seen,
                        int capacity) {
  int count = 0;
  for (uint32_t i = 0; i < (uint32_t)packets; ++i) {
    udpSendToPeer(socketFd, 5353, &i, sizeof i);
    sleepMs(i % 8 == 7 ? 1 : 0);
  }
  DWORD size;
  BYTE *packet;
  while (count < capacity && (packet = receiveWithin(session, &size, 300)) != NULL) {
    memcpy(&seen[count++], packet + 28, sizeof(uint32_t));
    WintunReleaseReceivePacket(session, packet);
  }
  return count;
}

int appToKernelSequence(WINTUN_SESSION_HANDLE session, int socketFd, uint16_t port, int packets,
                        uint32_t *seen, int capacity) {
  uint8_t packet[64];
  for (uint32_t i = 0; i < (uint32_t)packets; ++i) {
    size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, port, &i, sizeof i);
    CHECK(sendToKernel(session, packet, length), "allocate failed");
  }
  int count = 0;
  uint32_t value;
  while (count < capacity && udpReceive(socketFd, &value, sizeof value, 300) == sizeof value) {
    seen[count++] = value;
  }
  return count;
}

int inversions(const uint32_t *seen, int count) {
  int found = 0;
  for (int i = 1; i < count; ++i) found += seen[i] < seen[i - 1];
  return found;
}

uint64_t udpSendPacedToPeer(int fd, uint16_t peerPort, int count, uint64_t spacingUs) {
  uint64_t started = nowUs();
  uint64_t next = started;
  for (int i = 0; i < count; ++i) {
    while (nowUs() < next) {
    }
    udpSendToPeer(fd, peerPort, &i, sizeof i);
    next += spacingUs;
  }
  return nowUs() - started;
}

int threadNamed(const char *name, int timeoutMs) {
  uint64_t deadline = nowMs() + (uint64_t)timeoutMs;
  while (true) {
    DIR *tasks = opendir("/proc/self/task");
    CHECK(tasks != NULL, "no /proc/self/task");
    int found = -1;
    struct dirent *entry;
    while (found < 0 && (entry = readdir(tasks)) != NULL) {
      if (entry->d_name[0] == '.') continue;
      char path[300];
      char comm[32] = "";
      snprintf(path, sizeof path, "/proc/self/task/%s/comm", entry->d_name);
      FILE *file = fopen(path, "r");
      if (file == NULL) continue;
      if (fgets(comm, sizeof comm, file) == NULL) comm[0] = '\0';
      fclose(file);
      comm[strcspn(comm, "\n")] = '\0';
      if (strcmp(comm, name) == 0) found = atoi(entry->d_name);
    }
    closedir(tasks);
    if (found >= 0 || nowMs() >= deadline) return found;
    sleepMs(1);
  }
}

long threadContextSwitches(int thread, bool voluntary) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/status", thread);
  FILE *file = fopen(path, "r");
  if (file == NULL) return -1;
  const char *format = voluntary ? "voluntary_ctxt_switches: %ld" : "nonvoluntary_ctxt_switches: %ld";
  long switches = -1;
  char line[256];
  while (switches < 0 && fgets(line, sizeof line, file) != NULL) sscanf(line, format, &switches);
  fclose(file);
  return switches;
}
