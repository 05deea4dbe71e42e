/* The delay fault: a round trip through a delayed direction takes the delay longer than one
 * without it, and never less; order holds under a flood and when the delay is turned off; a full
 * delay line drops and counts; ending the session or deleting the interface with packets in
 * flight frees them; the delay composes with loss and duplication; the variables are read from
 * the environment. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

enum {
  kRoundTrips = 12,
  kDelayUs = 20000,
  /* Precision: the quickest delayed round trip is at most this much slower than the quickest
   * one without the delay, beyond the delay itself. */
  kDelayToleranceUs = 2000,
  kDelayLineBytes = 64 << 20,
};

/* One round trip: a datagram from the kernel socket on `port` to the peer, reflected by the app
 * (waiting on the read event), back to the socket. Returns it in microseconds. */
static uint64_t roundTripUs(WINTUN_SESSION_HANDLE session, int socketFd, uint16_t port,
                            uint32_t stamp) {
  uint64_t start = nowUs();
  udpSendToPeer(socketFd, 5353, &stamp, sizeof stamp);
  DWORD size = 0;
  BYTE *packet = receiveWithin(session, &size, 2000);
  CHECK(packet != NULL && size == 28 + sizeof stamp, "probe %u did not reach the app", stamp);
  uint32_t received;
  memcpy(&received, packet + 28, sizeof received);
  WintunReleaseReceivePacket(session, packet);
  CHECK(received == stamp, "probe %u arrived as %u", stamp, received);
  uint8_t reply[64];
  size_t length = buildUdp4(reply, PEER_ADDRESS, ADAPTER_ADDRESS, 5353, port, &stamp, sizeof stamp);
  CHECK(sendToKernel(session, reply, length), "allocate failed");
  uint32_t echoed = 0;
  CHECK(udpReceive(socketFd, &echoed, sizeof echoed, 2000) == sizeof echoed && echoed == stamp,
        "reply to probe %u did not reach the socket", stamp);
  return nowUs() - start;
}

/* The quickest of kRoundTrips round trips; fails if any took less than `atLeastUs`. */
static uint64_t quickestRoundTripUs(WINTUN_SESSION_HANDLE session, int socketFd, uint16_t port,
                                    uint64_t atLeastUs) {
  uint64_t quickest = UINT64_MAX;
  for (uint32_t i = 0; i < kRoundTrips; ++i) {
    uint64_t took = roundTripUs(session, socketFd, port, i);
    CHECK(took >= atLeastUs, "round trip %u took %llu us, less than the delay of %llu us", i,
          (unsigned long long)took, (unsigned long long)atLeastUs);
    if (took < quickest) quickest = took;
  }
  return quickest;
}

/* Round trips with no delay, then with kDelayUs on one direction, in the same session. */
static void expectDelayAddsToRoundTrip(const WINTUN_WCHAR *name, uint16_t port, bool toApp) {
  TestAdapter made = createTestAdapter(name);
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(port);
  roundTripUs(session, socketFd, port, 99); /* warm-up */
  uint64_t plain = quickestRoundTripUs(session, socketFd, port, 0);
  WINTUN_EMU_FAULTS faults = {.ToAppDelayMicroseconds = toApp ? kDelayUs : 0,
                              .FromAppDelayMicroseconds = toApp ? 0 : kDelayUs};
  CHECK(WintunEmuSetSessionFaults(session, &faults), "faults refused");
  uint64_t delayed = quickestRoundTripUs(session, socketFd, port, kDelayUs);
  printf("%s: quickest round trip %llu us plain, %llu us with %d us delay (+%lld us)\n",
         toApp ? "to app" : "from app", (unsigned long long)plain, (unsigned long long)delayed,
         kDelayUs, (long long)delayed - (long long)plain - kDelayUs);
  CHECK(delayed <= plain + kDelayUs + kDelayToleranceUs,
        "delayed round trip %llu us, plain %llu us: more than %d us late",
        (unsigned long long)delayed, (unsigned long long)plain, kDelayToleranceUs);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsDelayedByFault, kRoundTrips);
  CHECK_EQ_U(counters.PacketsDroppedDelayLineFull, 0);
  close(socketFd);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void delayAddsToRoundTripTowardApp(void) {
  expectDelayAddsToRoundTrip(W("delay0"), 7800, true);
}

void delayAddsToRoundTripFromApp(void) {
  expectDelayAddsToRoundTrip(W("delay1"), 7801, false);
}

typedef struct {
  int socketFd;
  int count;
  atomic_bool stop;
} KernelFlood;

static void *floodFromKernel(void *argument) {
  KernelFlood *flood = argument;
  for (uint32_t i = 0; i < (uint32_t)flood->count && !atomic_load(&flood->stop); ++i) {
    udpSendToPeer(flood->socketFd, 5353, &i, sizeof i);
    if (i % 256 == 255) sleepMs(1);
  }
  return NULL;
}

enum { kFloodFromApp = 20000, kFloodToApp = 10000, kFloodRing = 0x800000 };

/* Each number once at most, in increasing order; returns how many arrived. */
static int expectIncreasing(const char *direction, const uint32_t *seen, int count) {
  for (int i = 1; i < count; ++i) {
    CHECK(seen[i] > seen[i - 1], "%s: %u arrived after %u", direction, seen[i], seen[i - 1]);
  }
  return count;
}

void delayKeepsOrderUnderFlood(void) {
  TestAdapter made = createTestAdapter(W("delay2"));
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, kFloodRing);
  WINTUN_EMU_FAULTS faults = {.ToAppDelayMicroseconds = kDelayUs,
                              .FromAppDelayMicroseconds = kDelayUs};
  CHECK(WintunEmuSetSessionFaults(session, &faults), "faults refused");
  int socketFd = udpSocket(7802);
  int size = 64 << 20; /* room for the whole flood: what is missing then is not the socket's */
  CHECK(setsockopt(socketFd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) == 0,
        "SO_RCVBUFFORCE: %s", strerror(errno));
  static uint32_t seen[kFloodFromApp];

  /* App -> kernel: the whole flood sits in the delay line at once, and the delay is turned off
   * halfway; packets sent after that still leave behind the delayed ones. */
  uint8_t packet[64];
  for (uint32_t i = 0; i < kFloodFromApp; ++i) {
    if (i == kFloodFromApp / 2) {
      WINTUN_EMU_FAULTS toAppOnly = {.ToAppDelayMicroseconds = kDelayUs};
      WintunEmuSetSessionFaults(session, &toAppOnly);
    }
    size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7802, &i, sizeof i);
    uint64_t deadline = nowMs() + 2000;
    while (!sendToKernel(session, packet, length)) {
      CHECK(nowMs() < deadline, "send ring stayed full");
      sleepMs(1);
    }
  }
  int fromApp = 0;
  uint32_t value;
  while (fromApp < kFloodFromApp &&
         udpReceive(socketFd, &value, sizeof value, 300) == sizeof value) {
    seen[fromApp++] = value;
  }
  expectIncreasing("from app", seen, fromApp);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsFromApp, kFloodFromApp);
  CHECK(counters.PacketsDelayedByFault >= kFloodFromApp / 2, "only %llu packets delayed",
        (unsigned long long)counters.PacketsDelayedByFault);
  CHECK_EQ_U(fromApp, kFloodFromApp);

  /* Kernel -> app, received while the kernel sends. */
  uint64_t delayedBefore = counters.PacketsDelayedByFault;
  KernelFlood flood = {.socketFd = socketFd, .count = kFloodToApp};
  pthread_t thread;
  pthread_create(&thread, NULL, floodFromKernel, &flood);
  int toApp = 0;
  DWORD packetSize;
  BYTE *received;
  while (toApp < kFloodToApp && (received = receiveWithin(session, &packetSize, 300)) != NULL) {
    memcpy(&seen[toApp++], received + 28, sizeof(uint32_t));
    WintunReleaseReceivePacket(session, received);
  }
  atomic_store(&flood.stop, true);
  pthread_join(thread, NULL);
  expectIncreasing("to app", seen, toApp);
  counters = sessionCounters(session);
  CHECK(toApp >= kFloodToApp / 2, "only %d of %d arrived", toApp, kFloodToApp);
  CHECK_EQ_U(counters.PacketsDelayedByFault - delayedBefore, counters.PacketsToApp);
  CHECK_EQ_U(counters.PacketsToApp, toApp);
  close(socketFd);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

enum { kBigPayload = 60000, kBigPackets = 1300 };

/* The bound: a line holds at most 64 MiB, each packet counted with up to 20 bytes of
 * bookkeeping (a batch of two 60028-byte packets takes 120080 bytes), and it refuses only what
 * would go beyond, so it is full to within one batch. */
static void expectLineFilledToItsBound(const char *direction, uint64_t delayed, uint64_t dropped,
                                       uint64_t offered) {
  uint64_t packetBytes = 28 + kBigPayload;
  uint64_t heldAtMost = packetBytes + 20;
  printf("%s: %llu of %llu delayed, %llu dropped at the bound\n", direction,
         (unsigned long long)delayed, (unsigned long long)offered, (unsigned long long)dropped);
  CHECK(delayed * packetBytes <= kDelayLineBytes, "%s: %llu packets of %llu bytes delayed",
        direction, (unsigned long long)delayed, (unsigned long long)packetBytes);
  CHECK((delayed + 2) * heldAtMost > kDelayLineBytes, "%s: only %llu packets delayed", direction,
        (unsigned long long)delayed);
  CHECK(dropped > 0 && delayed + dropped <= offered, "%s: %llu delayed and %llu dropped of %llu",
        direction, (unsigned long long)delayed, (unsigned long long)dropped,
        (unsigned long long)offered);
}

/* Packets offered to the delay lines so far: delayed or dropped there. */
static uint64_t lineOffers(WINTUN_SESSION_HANDLE session) {
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  return counters.PacketsDelayedByFault + counters.PacketsDroppedDelayLineFull;
}

/* Sends `payload` from the kernel socket to the peer until the delay lines have dropped more than
 * `droppedBefore` packets, up to `limit` datagrams and 5 s; returns how many it sent. It keeps at
 * most 256 in flight, so the kernel's queue to the TUN file (500 packets) never overflows, however
 * slowly a sanitizer build reads. */
static int floodUntilLineDrops(WINTUN_SESSION_HANDLE session, int socketFd, const uint8_t *payload,
                               size_t length, uint64_t droppedBefore, int limit) {
  uint64_t offeredBefore = lineOffers(session);
  uint64_t deadline = nowMs() + 5000;
  int sent = 0;
  while (sent < limit && nowMs() < deadline &&
         sessionCounters(session).PacketsDroppedDelayLineFull <= droppedBefore) {
    if (sent - (int)(lineOffers(session) - offeredBefore) >= 256) {
      sleepMs(1);
      continue;
    }
    for (int i = 0; i < 16 && sent < limit; ++i, ++sent) {
      udpSendToPeer(socketFd, 5353, payload, length);
    }
  }
  while ((int)(lineOffers(session) - offeredBefore) < sent && nowMs() < deadline) sleepMs(1);
  return sent;
}

void delayLineDropsBeyondItsBoundAndCounts(void) {
  TestAdapter made = createTestAdapter(W("delay3"));
  runCommand("ip link set dev %s mtu 65000", made.ifname);
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  /* Long enough for each flood to fill its line before anything in it is due, even in a slow
   * sanitizer build on a loaded machine (1.5 s was not: a ThreadSanitizer run took longer to send
   * the 1300 packets, the first left the line, and more than its bound had passed through it);
   * the test waits for the app -> kernel line to drain, and only for that. */
  enum { kFromAppDelayMs = 5000 };
  WINTUN_EMU_FAULTS faults = {.ToAppDelayMicroseconds = 10000000,
                              .FromAppDelayMicroseconds = kFromAppDelayMs * 1000};
  CHECK(WintunEmuSetSessionFaults(session, &faults), "faults refused");
  int socketFd = udpSocket(7803);
  static uint8_t big[28 + kBigPayload];

  /* App -> kernel, to the socket (whose buffer drops the excess silently: no ICMP comes back).
   * Sends are consumed into the line, but a loaded sanitizer build can fall behind for a moment
   * and fill the send ring: then wait for room rather than fail. */
  size_t length = buildUdp4(big, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7803, big + 28, kBigPayload);
  for (int i = 0; i < kBigPackets; ++i) {
    bool sent = sendToKernel(session, big, length);
    for (uint64_t until = nowMs() + 2000; !sent && nowMs() < until;) {
      sleepMs(1);
      sent = sendToKernel(session, big, length);
    }
    CHECK(sent, "allocate failed at packet %d", i);
  }
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsDelayedByFault + counters.PacketsDroppedDelayLineFull, kBigPackets);
  expectLineFilledToItsBound("from app", counters.PacketsDelayedByFault,
                             counters.PacketsDroppedDelayLineFull, kBigPackets);
  CHECK_EQ_U(counters.PacketsFromApp, 0);
  WINTUN_EMU_COUNTERS fromApp = counters;

  /* Kernel -> app, with 60000-byte datagrams the MTU lets through whole. */
  int offered = floodUntilLineDrops(session, socketFd, big + 28, kBigPayload,
                                    fromApp.PacketsDroppedDelayLineFull, 2 * kBigPackets);
  counters = sessionCounters(session);
  expectLineFilledToItsBound(
      "to app", counters.PacketsDelayedByFault - fromApp.PacketsDelayedByFault,
      counters.PacketsDroppedDelayLineFull - fromApp.PacketsDroppedDelayLineFull, offered);
  CHECK_EQ_U(counters.PacketsToApp, 0);

  /* Once due, the app -> kernel line empties and takes packets again. */
  uint64_t deadline = nowMs() + kFromAppDelayMs + 5000;
  while (sessionCounters(session).PacketsFromApp < fromApp.PacketsDelayedByFault) {
    CHECK(nowMs() < deadline, "the delayed packets never left");
    sleepMs(10);
  }
  WINTUN_EMU_COUNTERS before = sessionCounters(session);
  CHECK(sendToKernel(session, big, length), "allocate failed");
  counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsDelayedByFault, before.PacketsDelayedByFault + 1);
  CHECK_EQ_U(counters.PacketsDroppedDelayLineFull, before.PacketsDroppedDelayLineFull);
  close(socketFd);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

enum { kInFlight = 100, kTeardownDelayUs = 400000 };

/* Sends kInFlight datagrams each way and waits until all of them sit in the delay lines. */
static void fillBothLines(WINTUN_SESSION_HANDLE session, int socketFd, uint16_t port) {
  uint8_t packet[64];
  for (uint32_t i = 0; i < kInFlight; ++i) {
    udpSendToPeer(socketFd, 5353, &i, sizeof i);
    size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, port, &i, sizeof i);
    CHECK(sendToKernel(session, packet, length), "allocate failed");
  }
  uint64_t deadline = nowMs() + 2000;
  while (sessionCounters(session).PacketsDelayedByFault < 2 * kInFlight) {
    CHECK(nowMs() < deadline, "only %llu packets reached the delay lines",
          (unsigned long long)sessionCounters(session).PacketsDelayedByFault);
    sleepMs(1);
  }
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsToApp, 0);
  CHECK_EQ_U(counters.PacketsFromApp, 0);
}

void endingSessionDiscardsDelayedPackets(void) {
  TestAdapter made = createTestAdapter(W("delay4"));
  int socketFd = udpSocket(7804);
  WINTUN_EMU_FAULTS faults = {.ToAppDelayMicroseconds = kTeardownDelayUs,
                              .FromAppDelayMicroseconds = kTeardownDelayUs};
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  CHECK(WintunEmuSetSessionFaults(session, &faults), "faults refused");
  fillBothLines(session, socketFd, 7804);
  uint64_t start = nowUs();
  WintunEndSession(session);
  uint64_t took = nowUs() - start;
  CHECK(took < kTeardownDelayUs / 2, "WintunEndSession took %llu us: it waited for the delay",
        (unsigned long long)took);

  /* Past every due time, nothing of the ended session reached either side. */
  session = startTestSession(made.adapter);
  sleepMs(kTeardownDelayUs / 1000 + 50);
  WINTUN_EMU_COUNTERS global;
  WintunEmuGetGlobalCounters(&global);
  CHECK_EQ_U(global.PacketsToApp, 0);
  CHECK_EQ_U(global.PacketsFromApp, 0);
  uint32_t value;
  CHECK(udpReceive(socketFd, &value, sizeof value, 0) < 0, "a delayed packet outlived its session");
  DWORD size;
  CHECK(WintunReceivePacket(session, &size) == NULL, "a delayed packet outlived its session");

  /* Closing the created adapter with packets in flight ends the session as well. */
  CHECK(WintunEmuSetSessionFaults(session, &faults), "faults refused");
  fillBothLines(session, socketFd, 7804);
  WintunCloseAdapter(made.adapter);
  expectEndOfSession(session);
  WintunEndSession(session);
  close(socketFd);
}

void deletingInterfaceDiscardsDelayedPackets(void) {
  TestAdapter made = createTestAdapter(W("delay5"));
  int socketFd = udpSocket(7805);
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  WINTUN_EMU_FAULTS faults = {.ToAppDelayMicroseconds = kTeardownDelayUs,
                              .FromAppDelayMicroseconds = kTeardownDelayUs};
  CHECK(WintunEmuSetSessionFaults(session, &faults), "faults refused");
  fillBothLines(session, socketFd, 7805);
  runCommand("ip link del %s", made.ifname);
  expectEndOfSession(session);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
  close(socketFd);
}

/* How many numbers equal the one before them (duplicates arrive right behind the original). */
static int adjacentRepeats(const uint32_t *seen, int count) {
  int found = 0;
  for (int i = 1; i < count; ++i) found += seen[i] == seen[i - 1];
  return found;
}

enum { kComposedProbes = 200 };

void delayComposesWithLossAndDuplication(void) {
  TestAdapter made = createTestAdapter(W("delay6"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  WINTUN_EMU_FAULTS faults = {
      .Seed = 11,
      .ToApp = {.LossPerMillion = 300000, .DuplicatePerMillion = 200000},
      .FromApp = {.LossPerMillion = 300000, .DuplicatePerMillion = 200000},
      .ToAppDelayMicroseconds = 10000,
      .FromAppDelayMicroseconds = 10000,
  };
  CHECK(WintunEmuSetSessionFaults(session, &faults), "faults refused");
  int socketFd = udpSocket(7806);
  uint32_t seen[3 * kComposedProbes];
  int toApp = kernelToAppSequence(session, socketFd, kComposedProbes, seen, 3 * kComposedProbes);
  CHECK_EQ_U(inversions(seen, toApp), 0);
  int toAppRepeats = adjacentRepeats(seen, toApp);
  int fromApp =
      appToKernelSequence(session, socketFd, 7806, kComposedProbes, seen, 3 * kComposedProbes);
  CHECK_EQ_U(inversions(seen, fromApp), 0);
  int fromAppRepeats = adjacentRepeats(seen, fromApp);
  int toAppKept = toApp - toAppRepeats;
  int fromAppKept = fromApp - fromAppRepeats;
  CHECK(toAppKept > 90 && toAppKept < 190, "%d of %d kept with 30%% loss", toAppKept,
        kComposedProbes);
  CHECK(fromAppKept > 90 && fromAppKept < 190, "%d of %d kept with 30%% loss", fromAppKept,
        kComposedProbes);
  CHECK(toAppRepeats > 5 && fromAppRepeats > 5, "repeats: %d to app, %d from app", toAppRepeats,
        fromAppRepeats);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsLostByFault, 2 * kComposedProbes - toAppKept - fromAppKept);
  CHECK_EQ_U(counters.PacketsDuplicatedByFault, toAppRepeats + fromAppRepeats);
  /* Lost packets never enter a line; duplicates do, behind their original. */
  CHECK_EQ_U(counters.PacketsDelayedByFault, toApp + fromApp);
  close(socketFd);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void delayFromEnvironment(void) {
  /* Read when the first session starts; set here before any session exists. */
  setenv("WINTUN_EMU_TO_APP_DELAY_MS", "12.5", 1);
  setenv("WINTUN_EMU_FROM_APP_DELAY_MS", "7.5", 1);
  TestAdapter made = createTestAdapter(W("delay7"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7807);
  uint64_t quickest = quickestRoundTripUs(session, socketFd, 7807, 20000);
  CHECK(quickest <= 20000 + kDelayToleranceUs, "round trips through 12.5 + 7.5 ms took %llu us",
        (unsigned long long)quickest);
  CHECK_EQ_U(sessionCounters(session).PacketsDelayedByFault, 2 * kRoundTrips);
  close(socketFd);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}
