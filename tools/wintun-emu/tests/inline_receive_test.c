/* The emulated driver reading the kernel queue inside WintunReceivePacket when the ring is empty
 * and nobody else is producing: a receive that follows the kernel's send finds the packet, errno
 * is left alone, a packet held back by the reordering fault still arrives while the app spins,
 * an injected corruption lands where the driver thread would put it, and the session can end
 * (adapter closed, interface deleted from outside) under receivers that never wait. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

/* Calls ReceivePacket without ever waiting on the read event, up to timeoutMs; NULL with the
 * last error set when it reports anything but ERROR_NO_MORE_ITEMS, or on timeout. */
static BYTE *spinReceive(WINTUN_SESSION_HANDLE session, DWORD *size, int timeoutMs) {
  uint64_t deadline = nowMs() + (uint64_t)timeoutMs;
  while (true) {
    BYTE *packet = WintunReceivePacket(session, size);
    if (packet != NULL || WintunEmuGetLastError() != WINTUN_ERROR_NO_MORE_ITEMS) return packet;
    if (nowMs() >= deadline) return NULL;
    sched_yield();
  }
}

enum { kImmediateRounds = 64 };

void receiveAfterKernelSendFindsPacket(void) {
  TestAdapter made = createTestAdapter(W("inrx0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7700);
  int immediate = 0;
  for (int i = 0; i < kImmediateRounds; ++i) {
    udpSendToPeer(socketFd, 5353, &i, sizeof i);
    /* The datagram is in the TUN queue once sendto returns: a receive right now reads it
     * itself, unless the driver thread is publishing it at this very moment. */
    DWORD size = 0;
    errno = 0;
    BYTE *packet = WintunReceivePacket(session, &size);
    if (packet != NULL) {
      ++immediate;
      CHECK_EQ_U(errno, 0); /* the EAGAIN that ended the inline read does not leak */
    } else {
      CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NO_MORE_ITEMS);
      packet = receiveWithin(session, &size, 2000);
      CHECK(packet != NULL, "datagram %d never arrived", i);
    }
    CHECK_EQ_U(size, 20 + 8 + sizeof i);
    int stamp;
    memcpy(&stamp, packet + 28, sizeof stamp);
    CHECK(stamp == i, "datagram %d arrived as %d", i, stamp);
    WintunReleaseReceivePacket(session, packet);
  }
  /* Losing the race to the driver thread now and then is fine; losing it every time is not. */
  CHECK(immediate >= kImmediateRounds / 2, "only %d of %d receives found the datagram", immediate,
        kImmediateRounds);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void heldBackReceivedPacketArrivesWhileAppSpins(void) {
  TestAdapter made = createTestAdapter(W("inrx1"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7701);
  WINTUN_EMU_FAULTS faults = {.Seed = 1, .ToApp = {.ReorderPerMillion = 1000000}};
  WintunEmuSetSessionFaults(session, &faults);
  DWORD size = 0;
  CHECK(spinReceive(session, &size, 20) == NULL, "a packet before any was sent");
  udpSendToPeer(socketFd, 5353, "held", 4);
  /* Held back by whoever read it; nothing follows it, and the app never stops calling, so only
   * the driver's flush after 10 ms of silence publishes it. */
  BYTE *packet = spinReceive(session, &size, 2000);
  CHECK(packet != NULL, "held packet never arrived (last error %u)", WintunEmuGetLastError());
  CHECK_EQ_U(size, 20 + 8 + 4);
  CHECK(memcmp(packet + 28, "held", 4) == 0, "wrong payload");
  WintunReleaseReceivePacket(session, packet);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsReorderedByFault, 1);
  CHECK_EQ_U(counters.PacketsToApp, 1);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void inlineReceiveStopsAtInjectedCorruption(void) {
  /* Read when the first session starts; this process has none yet. */
  setenv("WINTUN_EMU_CORRUPT_TO_APP_AFTER", "3", 1);
  TestAdapter made = createTestAdapter(W("inrx2"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7702);
  DWORD size = 0;
  for (int i = 0; i < 3; ++i) {
    udpSendToPeer(socketFd, 5353, "ok", 2);
    BYTE *packet = spinReceive(session, &size, 2000);
    CHECK(packet != NULL, "packet %d missing (last error %u)", i + 1, WintunEmuGetLastError());
    WintunReleaseReceivePacket(session, packet);
  }
  /* The next production, inline or in the driver thread, publishes the corrupt Size first. */
  udpSendToPeer(socketFd, 5353, "late", 4);
  CHECK(spinReceive(session, &size, 2000) == NULL, "received past the corruption");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_INVALID_DATA);
  CHECK(WintunReceivePacket(session, &size) == NULL, "the corruption went away");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_INVALID_DATA);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

typedef struct {
  WINTUN_SESSION_HANDLE session;
  int socketFd;
  atomic_bool closing;
  atomic_ulong received;
  atomic_ulong ended; /* receivers that saw ERROR_HANDLE_EOF */
} SpinTraffic;

static void *spinningReceiver(void *argument) {
  SpinTraffic *traffic = argument;
  uint64_t deadline = nowMs() + 10000;
  while (!atomic_load(&traffic->closing) && nowMs() < deadline) {
    DWORD size;
    BYTE *packet = WintunReceivePacket(traffic->session, &size);
    if (packet != NULL) {
      WintunReleaseReceivePacket(traffic->session, packet);
      atomic_fetch_add(&traffic->received, 1);
      continue;
    }
    DWORD error = WintunEmuGetLastError();
    if (error == WINTUN_ERROR_HANDLE_EOF) {
      atomic_fetch_add(&traffic->ended, 1);
      break;
    }
    CHECK(error == WINTUN_ERROR_NO_MORE_ITEMS, "ReceivePacket failed with %u", error);
  }
  return NULL;
}

static void *kernelFlood(void *argument) {
  SpinTraffic *traffic = argument;
  udpFloodPeer(traffic->socketFd, 5353, "flood", 200000, &traffic->closing);
  return NULL;
}

enum { kSpinners = 3 };

/* Spinning receivers and a kernel flood; `end` ends the session from outside the receivers. */
static void endUnderSpinningReceivers(const WINTUN_WCHAR *name, bool deleteInterface) {
  TestAdapter made = createTestAdapter(name);
  SpinTraffic traffic = {.session = startTestSession(made.adapter), .socketFd = udpSocket(7703)};
  pthread_t threads[kSpinners + 1];
  for (int i = 0; i < kSpinners; ++i) {
    pthread_create(&threads[i], NULL, spinningReceiver, &traffic);
  }
  pthread_create(&threads[kSpinners], NULL, kernelFlood, &traffic);
  uint64_t deadline = nowMs() + 3000;
  while (atomic_load(&traffic.received) < 200 && nowMs() < deadline) sleepMs(5);
  CHECK(atomic_load(&traffic.received) >= 200, "only %lu packets reached the receivers",
        atomic_load(&traffic.received));
  if (deleteInterface) {
    runCommand("ip link del %s", made.ifname);
  } else {
    WintunCloseAdapter(made.adapter); /* the driver force-closes the session */
  }
  deadline = nowMs() + 5000;
  while (atomic_load(&traffic.ended) < kSpinners && nowMs() < deadline) sleepMs(5);
  CHECK_EQ_U(atomic_load(&traffic.ended), kSpinners);
  atomic_store(&traffic.closing, true);
  for (int i = 0; i <= kSpinners; ++i) pthread_join(threads[i], NULL);
  WINTUN_EMU_COUNTERS counters = sessionCounters(traffic.session);
  CHECK(counters.PacketsToApp >= atomic_load(&traffic.received), "counted %llu, received %lu",
        (unsigned long long)counters.PacketsToApp, atomic_load(&traffic.received));
  WintunEndSession(traffic.session);
  close(traffic.socketFd);
  if (deleteInterface) WintunCloseAdapter(made.adapter);
  CHECK_EQ_U(WintunGetRunningDriverVersion(), 0);
}

void closingAdapterUnderSpinningReceiversEndsSession(void) {
  endUnderSpinningReceivers(W("inrx3"), false);
}

void externalRemovalUnderSpinningReceiversEndsSession(void) {
  endUnderSpinningReceivers(W("inrx4"), true);
}
