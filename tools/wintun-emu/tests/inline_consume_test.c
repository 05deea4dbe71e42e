/* The emulated driver consuming the send ring inside WintunSendPacket when nobody else is: the
 * packet is written before the call returns, corruption found there kills the ring as the driver
 * thread would, concurrent senders still leave in allocation order, a packet held back by the
 * reordering fault still goes out after 10 ms of silence, and the session can end under it. */
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

static uint32_t ringField(volatile uint32_t *field) {
  return __atomic_load_n(field, __ATOMIC_ACQUIRE);
}

static uint64_t packetsFromApp(WINTUN_SESSION_HANDLE session) {
  return sessionCounters(session).PacketsFromApp;
}

/* The send ring's header, found from the first allocation of a fresh session (offset 0), which
 * this sends as a non-IP packet the driver discards (so the kernel sees nothing); then waits
 * until the driver thread sleeps (Alertable) and a little longer, so it holds nothing and the
 * next send consumes inline. */
static RingHeader *sendRingWithDriverAsleep(WINTUN_SESSION_HANDLE session) {
  BYTE *slot = WintunAllocateSendPacket(session, 20);
  CHECK(slot != NULL, "allocate failed: %u", WintunEmuGetLastError());
  RingHeader *ring = (RingHeader *)(slot - 4 - 12);
  memset(slot, 0, 20);
  WintunSendPacket(session, slot);
  uint64_t deadline = nowMs() + 2000;
  while (__atomic_load_n(&ring->alertable, __ATOMIC_ACQUIRE) == 0 && nowMs() < deadline) {
    sleepMs(1);
  }
  CHECK(__atomic_load_n(&ring->alertable, __ATOMIC_ACQUIRE) != 0, "the driver never slept");
  sleepMs(20);
  return ring;
}

void uncontendedSendIsConsumedBeforeReturning(void) {
  TestAdapter made = createTestAdapter(W("inline0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7600);
  RingHeader *ring = sendRingWithDriverAsleep(session);
  uint64_t before = packetsFromApp(session);
  uint8_t packet[64];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7600, "inline", 6);
  for (int i = 0; i < 10; ++i) {
    CHECK(sendToKernel(session, packet, length), "allocate failed: %u", WintunEmuGetLastError());
    CHECK_EQ_U(ringField(&ring->head), ringField(&ring->tail));
    CHECK_EQ_U(packetsFromApp(session), before + (uint64_t)i + 1);
  }
  char buffer[16];
  for (int i = 0; i < 10; ++i) {
    CHECK(udpReceive(socketFd, buffer, sizeof buffer, 2000) == 6, "datagram %d missing", i);
  }
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void inlineConsumeOfOversizePacketKillsSendRing(void) {
  TestAdapter made = createTestAdapter(W("inline1"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  sendRingWithDriverAsleep(session);
  BYTE *slot = WintunAllocateSendPacket(session, 0x10000);
  CHECK(slot != NULL, "a 0x10000-byte allocation failed: %u", WintunEmuGetLastError());
  memset(slot, 0x45, 64);
  errno = 0;
  WintunSendPacket(session, slot);
  CHECK_EQ_U(errno, 0); /* SendPacket sets no error, inline consumption included */
  /* No waiting: the ring died inside SendPacket. */
  CHECK(WintunAllocateSendPacket(session, 20) == NULL, "send ring alive after a size > 0xFFFF");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_HANDLE_EOF);
  expectReceivingWorks(session, 7601);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void inlineConsumeStopsAtInjectedCorruption(void) {
  /* Read when the first session starts; this process has none yet. */
  setenv("WINTUN_EMU_CORRUPT_FROM_APP_AFTER", "4", 1);
  TestAdapter made = createTestAdapter(W("inline2"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  sendRingWithDriverAsleep(session); /* consumed packet 1, discarded as non-IP */
  uint8_t packet[64];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7602, "n", 1);
  for (int i = 0; i < 3; ++i) {
    CHECK(sendToKernel(session, packet, length), "packet %d refused: %u", i + 2,
          WintunEmuGetLastError());
  }
  CHECK(WintunAllocateSendPacket(session, 20) == NULL, "send ring alive after the 4th packet");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_HANDLE_EOF);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsDiscardedFromApp, 1);
  CHECK_EQ_U(counters.PacketsFromApp, 3);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void heldBackPacketLeavesAfterSilence(void) {
  TestAdapter made = createTestAdapter(W("inline3"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7603);
  sendRingWithDriverAsleep(session);
  char buffer[16];
  WINTUN_EMU_FAULTS faults = {.Seed = 1, .FromApp = {.ReorderPerMillion = 1000000}};
  WintunEmuSetSessionFaults(session, &faults);
  uint8_t packet[64];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7603, "held", 4);
  CHECK(sendToKernel(session, packet, length), "allocate failed: %u", WintunEmuGetLastError());
  /* Held back by the send itself; nothing follows it, so only the driver's flush sends it. */
  CHECK(udpReceive(socketFd, buffer, sizeof buffer, 2000) == 4, "held packet never left");
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsReorderedByFault, 1);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

enum { kOrderSenders = 4, kOrderPacketsEach = 1500 };

typedef struct {
  WINTUN_SESSION_HANDLE session;
  pthread_mutex_t allocation; /* stamps follow allocation order */
  uint32_t nextStamp;
  atomic_int refused;
} OrderedSenders;

/* Allocates and stamps under the app's lock, then fills and sends outside it, so sends overlap
 * and complete out of allocation order. */
static void *orderedSender(void *argument) {
  OrderedSenders *senders = argument;
  for (int i = 0; i < kOrderPacketsEach; ++i) {
    BYTE *slot = NULL;
    uint32_t stamp = 0;
    uint64_t deadline = nowMs() + 5000;
    while (slot == NULL) {
      pthread_mutex_lock(&senders->allocation);
      slot = WintunAllocateSendPacket(senders->session, 32);
      if (slot != NULL) stamp = senders->nextStamp++;
      pthread_mutex_unlock(&senders->allocation);
      if (slot != NULL) break;
      if (WintunEmuGetLastError() != WINTUN_ERROR_BUFFER_OVERFLOW || nowMs() > deadline) {
        atomic_fetch_add(&senders->refused, 1);
        return NULL;
      }
      sched_yield();
    }
    uint8_t packet[64];
    size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7604, &stamp, 4);
    CHECK(length == 32, "unexpected packet length %zu", length);
    memcpy(slot, packet, length);
    if ((stamp & 7u) == 0) sched_yield(); /* let later allocations overtake this send */
    WintunSendPacket(senders->session, slot);
  }
  return NULL;
}

void concurrentSendersLeaveInAllocationOrder(void) {
  TestAdapter made = createTestAdapter(W("inline4"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7604);
  int bigBuffer = 8 << 20;
  setsockopt(socketFd, SOL_SOCKET, SO_RCVBUFFORCE, &bigBuffer, sizeof bigBuffer);
  OrderedSenders senders = {.session = session};
  pthread_mutex_init(&senders.allocation, NULL);
  pthread_t threads[kOrderSenders];
  for (int i = 0; i < kOrderSenders; ++i) {
    pthread_create(&threads[i], NULL, orderedSender, &senders);
  }
  /* Read while they send so the socket buffer never overflows. */
  uint32_t expected = 0;
  uint32_t stamp;
  long got;
  while (expected < kOrderSenders * kOrderPacketsEach &&
         (got = udpReceive(socketFd, &stamp, sizeof stamp, 3000)) == sizeof stamp) {
    CHECK(stamp == expected, "datagram %u arrived as number %u", stamp, expected);
    ++expected;
  }
  for (int i = 0; i < kOrderSenders; ++i) pthread_join(threads[i], NULL);
  CHECK_EQ_U(atomic_load(&senders.refused), 0);
  CHECK_EQ_U(expected, kOrderSenders * kOrderPacketsEach);
  CHECK_EQ_U(packetsFromApp(session), kOrderSenders * kOrderPacketsEach);
  pthread_mutex_destroy(&senders.allocation);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

enum { kFloodSenders = 3 };

typedef struct {
  WINTUN_SESSION_HANDLE session;
  atomic_ulong sent;
  atomic_int endedByDriver;
} Flood;

/* Sends as fast as it can until the send ring reports EOF (bounded by time). */
static void *floodSender(void *argument) {
  Flood *flood = argument;
  uint8_t packet[64];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 5353, "flood", 5);
  uint64_t deadline = nowMs() + 5000;
  while (nowMs() < deadline) {
    BYTE *slot = WintunAllocateSendPacket(flood->session, (DWORD)length);
    if (slot == NULL) {
      if (WintunEmuGetLastError() == WINTUN_ERROR_HANDLE_EOF) {
        atomic_fetch_add(&flood->endedByDriver, 1);
        return NULL;
      }
      sched_yield();
      continue;
    }
    memcpy(slot, packet, length);
    WintunSendPacket(flood->session, slot);
    atomic_fetch_add(&flood->sent, 1);
  }
  return NULL;
}

/* Floods from several threads, ends the session with `end`, and checks every sender saw EOF. */
static void endUnderFlood(const WINTUN_WCHAR *name, void (*end)(WINTUN_SESSION_HANDLE, const char *)) {
  TestAdapter made = createTestAdapter(name);
  Flood flood = {.session = startTestSession(made.adapter)};
  pthread_t threads[kFloodSenders];
  for (int i = 0; i < kFloodSenders; ++i) pthread_create(&threads[i], NULL, floodSender, &flood);
  uint64_t deadline = nowMs() + 2000;
  while (atomic_load(&flood.sent) < 1000 && nowMs() < deadline) sleepMs(1);
  CHECK(atomic_load(&flood.sent) >= 1000, "the senders moved no traffic");
  end(flood.session, made.ifname);
  for (int i = 0; i < kFloodSenders; ++i) pthread_join(threads[i], NULL);
  CHECK_EQ_U(atomic_load(&flood.endedByDriver), kFloodSenders);
  CHECK(waitReadEvent(flood.session, 2000), "read event not signalled at the end");
  /* The senders see EOF once the app -> kernel thread stops; the kernel -> app thread marks the
   * receive ring dead on its own, maybe a little later, and the signal seen above may be an
   * earlier publish (ICMP replies to the flood): receive until EOF, bounded. */
  DWORD size;
  BYTE *packet;
  deadline = nowMs() + 2000;
  while ((packet = WintunReceivePacket(flood.session, &size)) != NULL ||
         WintunEmuGetLastError() != WINTUN_ERROR_HANDLE_EOF) {
    if (packet != NULL) WintunReleaseReceivePacket(flood.session, packet);
    CHECK(nowMs() < deadline, "the receive ring never reported EOF after the end");
    waitReadEvent(flood.session, 10);
  }
  WINTUN_EMU_COUNTERS counters = sessionCounters(flood.session);
  CHECK(counters.PacketsFromApp > 0 && counters.PacketsFromApp <= atomic_load(&flood.sent),
        "%llu written for %lu sent", (unsigned long long)counters.PacketsFromApp,
        atomic_load(&flood.sent));
  WintunEndSession(flood.session);
  WintunCloseAdapter(made.adapter);
}

static void forceEnd(WINTUN_SESSION_HANDLE session, const char *ifname) {
  (void)ifname;
  CHECK(WintunEmuForceEndOfSession(session), "refused");
}

static void deleteInterface(WINTUN_SESSION_HANDLE session, const char *ifname) {
  (void)session;
  runCommand("ip link del %s", ifname);
}

void forcedEndWhileSendersConsumeInline(void) { endUnderFlood(W("inline5"), forceEnd); }

void externalRemovalWhileSendersConsumeInline(void) {
  endUnderFlood(W("inline6"), deleteInterface);
}
