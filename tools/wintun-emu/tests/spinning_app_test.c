/* The emulated driver and an app that spins on the ring, never waiting on the read event: every
 * 259 it gets hands the watch of the TUN file back to the driver thread, so each packet the app
 * then reads itself wakes that thread too. wintun.sys publishes in the sender's context and does
 * nothing after it: the driver thread must take neither the app's CPU (on it, its wake-ups may not
 * preempt the app) nor the sender's (it runs on the app's CPU while the app takes the packets). */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

enum { kSpinPackets = 400, kSpinSpacingUs = 100 };

typedef struct {
  int socketFd;
  int cpu;
  int count;
  uint64_t spacingUs;
} PacedSender;

static void pinThread(int thread, int cpu) {
  cpu_set_t only;
  CPU_ZERO(&only);
  CPU_SET(cpu, &only);
  CHECK(sched_setaffinity(thread, sizeof only, &only) == 0, "cannot pin thread %d to CPU %d",
        thread, cpu);
}

/* The datagrams, from the sender's own CPU. */
static void *pacedSender(void *argument) {
  const PacedSender *sender = argument;
  pinThread(0, sender->cpu);
  udpSendPacedToPeer(sender->socketFd, 5353, sender->count, sender->spacingUs);
  return NULL;
}

/* The same, 20 ms later: by then the app waits on the read event. */
static void *pacedSenderAfterPause(void *argument) {
  usleep(20000);
  return pacedSender(argument);
}

/* The first two CPUs this process may use, for the app and the sender; skips the case (77)
 * when there is only one. */
static void twoCpus(int cpus[2]) {
  cpu_set_t allowed;
  CHECK(sched_getaffinity(0, sizeof allowed, &allowed) == 0, "no CPU affinity");
  int found = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; ++cpu) {
    if (CPU_ISSET(cpu, &allowed)) cpus[found++] = cpu;
  }
  if (found < 2) {
    fprintf(stderr, "skipped: needs two CPUs, one for the app and one for the sender\n");
    exit(77);
  }
}

/* Spins on WintunReceivePacket, never waiting, until `count` datagrams numbered from 0 have
 * arrived in order or 5 s have passed; returns how many did. */
static int spinReceive(WINTUN_SESSION_HANDLE session, int count) {
  int received = 0;
  uint64_t deadline = nowMs() + 5000;
  while (received < count && nowMs() < deadline) {
    DWORD size = 0;
    BYTE *packet = WintunReceivePacket(session, &size);
    if (packet == NULL) {
      CHECK(WintunEmuGetLastError() == WINTUN_ERROR_NO_MORE_ITEMS, "receive failed with %u",
            WintunEmuGetLastError());
      continue;
    }
    int stamp = -1;
    memcpy(&stamp, packet + 28, sizeof stamp);
    CHECK(stamp == received, "datagram %d arrived as %d", received, stamp);
    WintunReleaseReceivePacket(session, packet);
    ++received;
  }
  return received;
}

void driverThreadNeverPreemptsSpinningApp(void) {
  /* The app and the driver thread share one CPU, as in an app pinned to it; the sender is on
   * another, as a peer is. */
  int cpus[2];
  twoCpus(cpus);
  TestAdapter made = createTestAdapter(W("spin0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int driver = threadNamed("wintun-to-app", 1000);
  CHECK(driver >= 0, "no thread named wintun-to-app");
  int app = (int)syscall(SYS_gettid);
  pinThread(driver, cpus[0]);
  pinThread(app, cpus[0]);
  PacedSender sender = {.socketFd = udpSocket(7720),
                        .cpu = cpus[1],
                        .count = kSpinPackets,
                        .spacingUs = kSpinSpacingUs};

  /* Other processes on the app's CPU preempt it too (a parallel test, say): counted first over as
   * long a spin with no traffic, when the driver thread sleeps, and taken off. */
  long quietBefore = threadContextSwitches(app, false);
  uint64_t quietEnd = nowUs() + (uint64_t)kSpinPackets * kSpinSpacingUs;
  while (nowUs() < quietEnd) {
    DWORD size = 0;
    CHECK(WintunReceivePacket(session, &size) == NULL, "a datagram nobody sent");
  }
  long background = threadContextSwitches(app, false) - quietBefore;

  long preemptedBefore = threadContextSwitches(app, false);
  uint64_t started = nowUs();
  pthread_t senderThread;
  CHECK(pthread_create(&senderThread, NULL, pacedSender, &sender) == 0, "no sender thread");
  int received = spinReceive(session, kSpinPackets);
  long preempted = threadContextSwitches(app, false) - preemptedBefore - background;
  uint64_t elapsedUs = nowUs() - started;
  pthread_join(senderThread, NULL);
  CHECK(received == kSpinPackets, "%d of %d datagrams arrived", received, kSpinPackets);
  /* Preempted on wake-up, the app lost its CPU for most datagrams (358 to 403 times more than
   * without traffic, for 400, when measured); otherwise only when its time slice ends while the
   * driver thread waits (about 13 times in the 40 ms). A machine so busy that the 40 ms took
   * twice as long preempts the app for others as well: the count says nothing there, and only
   * delivery is checked. */
  if (elapsedUs <= 2u * kSpinPackets * kSpinSpacingUs) {
    CHECK(preempted < kSpinPackets / 8,
          "the spinning app was preempted %ld times for %d datagrams (%ld more than without)",
          preempted + background, kSpinPackets, preempted);
  } else {
    fprintf(stderr, "note: %d datagrams took %llu ms, not 40: preemptions not checked\n",
            kSpinPackets, (unsigned long long)(elapsedUs / 1000));
  }
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

/* Whether `thread` may run on exactly the CPUs of `expected`. */
static bool threadAllowedExactly(int thread, const cpu_set_t *expected) {
  cpu_set_t where;
  CHECK(sched_getaffinity(thread, sizeof where, &where) == 0, "thread %d is gone", thread);
  return CPU_EQUAL(&where, expected);
}

void driverThreadRunsOnSpinningAppsCpu(void) {
  int cpus[2];
  twoCpus(cpus);
  cpu_set_t processCpus;
  CHECK(sched_getaffinity(0, sizeof processCpus, &processCpus) == 0, "no CPU affinity");
  TestAdapter made = createTestAdapter(W("spin1"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int driver = threadNamed("wintun-to-app", 1000);
  CHECK(driver >= 0, "no thread named wintun-to-app");
  /* Only the app is pinned; the driver thread may run anywhere the process may. */
  pinThread((int)syscall(SYS_gettid), cpus[0]);
  int socketFd = udpSocket(7721);

  /* The app reads every packet from the kernel queue itself: the driver thread's wake-ups for
   * those packets belong on the app's CPU, not on the sender's. */
  PacedSender sender = {.socketFd = socketFd, .cpu = cpus[1], .count = 200, .spacingUs = 100};
  pthread_t senderThread;
  CHECK(pthread_create(&senderThread, NULL, pacedSender, &sender) == 0, "no sender thread");
  int received = spinReceive(session, sender.count);
  pthread_join(senderThread, NULL);
  CHECK(received == sender.count, "%d of %d datagrams arrived", received, sender.count);
  cpu_set_t appCpu;
  CPU_ZERO(&appCpu);
  CPU_SET(cpus[0], &appCpu);
  CHECK(threadAllowedExactly(driver, &appCpu),
        "while the app took its packets itself, the driver thread was not kept to its CPU %d",
        cpus[0]);

  /* Now the app waits on the read event, and the driver thread publishes the next packet itself:
   * from then on it runs anywhere again, so a waiting app's packets never wait for the app's
   * CPU to be free. */
  PacedSender late = {.socketFd = socketFd, .cpu = cpus[1], .count = 1, .spacingUs = 0};
  CHECK(pthread_create(&senderThread, NULL, pacedSenderAfterPause, &late) == 0,
        "no sender thread");
  DWORD size = 0;
  BYTE *packet = receiveWithin(session, &size, 2000);
  pthread_join(senderThread, NULL);
  CHECK(packet != NULL, "the datagram sent to a waiting app never arrived");
  WintunReleaseReceivePacket(session, packet);
  uint64_t deadline = nowMs() + 1000;
  while (!threadAllowedExactly(driver, &processCpus) && nowMs() < deadline) usleep(1000);
  CHECK(threadAllowedExactly(driver, &processCpus),
        "after publishing for a waiting app, the driver thread was still kept to one CPU");
  close(socketFd);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}
