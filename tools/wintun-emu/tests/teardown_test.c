/* Session end and adapter removal: by the app, under traffic from several threads, by closing the
 * created adapter, and by `ip link del` from outside. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

typedef struct {
  WINTUN_SESSION_HANDLE session;
  int socketFd;
  atomic_bool closing;
  atomic_ulong received;
  atomic_ulong sent;
  atomic_ulong endedByDriver;
} Traffic;

static void *receiver(void *argument) {
  Traffic *traffic = argument;
  int event = (int)(intptr_t)WintunGetReadWaitEvent(traffic->session);
  while (!atomic_load(&traffic->closing)) {
    DWORD size;
    BYTE *packet = WintunReceivePacket(traffic->session, &size);
    if (packet != NULL) {
      WintunReleaseReceivePacket(traffic->session, packet);
      atomic_fetch_add(&traffic->received, 1);
      continue;
    }
    if (WintunEmuGetLastError() != WINTUN_ERROR_NO_MORE_ITEMS) {
      atomic_fetch_add(&traffic->endedByDriver, 1);
      break;
    }
    struct pollfd wait = {event, POLLIN, 0};
    if (poll(&wait, 1, 100) == 1) {
      uint64_t value;
      ssize_t got = read(event, &value, sizeof value);
      (void)got;
    }
  }
  return NULL;
}

static void *sender(void *argument) {
  Traffic *traffic = argument;
  uint8_t packet[256];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7200, "load", 4);
  uint64_t deadline = nowMs() + 5000; /* bounded by time: a full ring makes iterations cheap */
  while (nowMs() < deadline && !atomic_load(&traffic->closing)) {
    BYTE *slot = WintunAllocateSendPacket(traffic->session, (DWORD)length);
    if (slot == NULL) {
      if (WintunEmuGetLastError() == WINTUN_ERROR_HANDLE_EOF) {
        atomic_fetch_add(&traffic->endedByDriver, 1);
        break;
      }
      sched_yield();
      continue;
    }
    memcpy(slot, packet, length);
    WintunSendPacket(traffic->session, slot);
    atomic_fetch_add(&traffic->sent, 1);
  }
  return NULL;
}

static void *kernelLoad(void *argument) {
  Traffic *traffic = argument;
  udpFloodPeer(traffic->socketFd, 5353, "kernel load", 100000, &traffic->closing);
  return NULL;
}

enum { kSenders = 2, kReceivers = 2 };

static void startTraffic(Traffic *traffic, pthread_t threads[]) {
  int n = 0;
  for (int i = 0; i < kReceivers; ++i) pthread_create(&threads[n++], NULL, receiver, traffic);
  for (int i = 0; i < kSenders; ++i) pthread_create(&threads[n++], NULL, sender, traffic);
  pthread_create(&threads[n++], NULL, kernelLoad, traffic);
}

static void joinTraffic(pthread_t threads[]) {
  for (int i = 0; i < kSenders + kReceivers + 1; ++i) pthread_join(threads[i], NULL);
}

void endSessionUnderTrafficFromSeveralThreads(void) {
  TestAdapter made = createTestAdapter(W("load0"));
  for (int round = 0; round < 3; ++round) {
    Traffic traffic = {.session = startTestSession(made.adapter), .socketFd = udpSocket(7200)};
    pthread_t threads[kSenders + kReceivers + 1];
    startTraffic(&traffic, threads);
    sleepMs(300);
    /* The contract's order: flag, wake the readers, join, end the session. */
    atomic_store(&traffic.closing, true);
    uint64_t one = 1;
    ssize_t written = write((int)(intptr_t)WintunGetReadWaitEvent(traffic.session), &one, sizeof one);
    (void)written;
    joinTraffic(threads);
    WINTUN_EMU_COUNTERS counters = sessionCounters(traffic.session);
    WintunEndSession(traffic.session);
    close(traffic.socketFd);
    CHECK(atomic_load(&traffic.received) > 0 && atomic_load(&traffic.sent) > 0,
          "round %d moved no traffic (received %lu, sent %lu)", round,
          atomic_load(&traffic.received), atomic_load(&traffic.sent));
    CHECK(counters.PacketsFromApp > 0, "nothing reached the kernel");
    CHECK_EQ_U(atomic_load(&traffic.endedByDriver), 0);
  }
  WintunCloseAdapter(made.adapter);
}

void closingCreatedAdapterUnderTrafficEndsSession(void) {
  TestAdapter made = createTestAdapter(W("load1"));
  Traffic traffic = {.session = startTestSession(made.adapter), .socketFd = udpSocket(7200)};
  pthread_t threads[kSenders + kReceivers + 1];
  startTraffic(&traffic, threads);
  sleepMs(200);
  WintunCloseAdapter(made.adapter); /* the driver force-closes the session */
  CHECK(interfaceIndex(made.ifname) == 0, "interface left after closing the created adapter");
  uint64_t deadline = nowMs() + 5000;
  while (atomic_load(&traffic.endedByDriver) < kSenders + kReceivers && nowMs() < deadline) {
    sleepMs(5);
  }
  CHECK_EQ_U(atomic_load(&traffic.endedByDriver), kSenders + kReceivers);
  atomic_store(&traffic.closing, true);
  joinTraffic(threads);
  expectEndOfSession(traffic.session);
  WintunEndSession(traffic.session);
  CHECK_EQ_U(WintunGetRunningDriverVersion(), 0);
}

void closingCreatedAdapterSignalsReadEvent(void) {
  TestAdapter made = createTestAdapter(W("close0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int fd = (int)(intptr_t)WintunGetReadWaitEvent(session);
  WintunCloseAdapter(made.adapter);
  struct pollfd wait = {fd, POLLIN, 0};
  CHECK(poll(&wait, 1, 2000) == 1, "read event not signalled at teardown");
  expectEndOfSession(session);
  WintunEndSession(session);
}

void externalRemovalEndsSession(void) {
  TestAdapter made = createTestAdapter(W("gone0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  Traffic traffic = {.session = session, .socketFd = udpSocket(7201)};
  pthread_t readerThread;
  pthread_create(&readerThread, NULL, receiver, &traffic);
  sleepMs(50);
  runCommand("ip link del %s", made.ifname);
  pthread_join(readerThread, NULL);
  CHECK_EQ_U(atomic_load(&traffic.endedByDriver), 1);
  expectEndOfSession(session);
  CHECK(WintunOpenAdapter(W("gone0")) == NULL, "opened a removed adapter");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NOT_FOUND);
  WintunEndSession(session);
  CHECK(WintunStartSession(made.adapter, TEST_CAPACITY) == NULL, "session on a removed adapter");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_FILE_NOT_FOUND);
  WintunCloseAdapter(made.adapter);
}
