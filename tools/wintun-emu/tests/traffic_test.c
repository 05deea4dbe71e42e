/* The emulated driver with real kernel traffic: publish and signal, whole-batch drops, the
 * packet filter, a dead send ring, and the counters. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

void kernelDatagramsReachReceiveRing(void) {
  TestAdapter made = createTestAdapter(W("rx0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  CHECK(WintunReceivePacket(session, &(DWORD){0}) == NULL, "packet in a fresh ring");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_NO_MORE_ITEMS);
  int socketFd = udpSocket(7100);
  udpSendToPeer(socketFd, 5353, "hello ring", 10);
  DWORD size = 0;
  BYTE *packet = receiveWithin(session, &size, 2000);
  CHECK(packet != NULL, "nothing received: %u", WintunEmuGetLastError());
  CHECK_EQ_U(size, 38);
  CHECK(packet[0] == 0x45 && packet[9] == 17, "not an IPv4 UDP packet");
  CHECK(memcmp(packet + 12, (uint8_t[]){198, 18, 0, 1}, 4) == 0, "wrong source");
  CHECK(memcmp(packet + 16, (uint8_t[]){198, 18, 0, 2}, 4) == 0, "wrong destination");
  CHECK(memcmp(packet + 28, "hello ring", 10) == 0, "wrong payload");
  WintunReleaseReceivePacket(session, packet);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void sentPacketsReachKernelSocket(void) {
  TestAdapter made = createTestAdapter(W("tx0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7101);
  uint8_t packet[128];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7101, "to kernel", 9);
  CHECK(sendToKernel(session, packet, length), "allocate failed: %u", WintunEmuGetLastError());
  char buffer[64];
  long got = udpReceive(socketFd, buffer, sizeof buffer, 2000);
  CHECK(got == 9 && memcmp(buffer, "to kernel", 9) == 0, "kernel socket got %ld", got);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void readEventIsAutoResetAndSignalledPerPublish(void) {
  TestAdapter made = createTestAdapter(W("event0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  HANDLE event = WintunGetReadWaitEvent(session);
  CHECK(event != NULL && event == WintunGetReadWaitEvent(session), "event handle not stable");
  int fd = (int)(intptr_t)event;
  struct pollfd wait = {fd, POLLIN, 0};
  CHECK(poll(&wait, 1, 0) == 0, "event signalled before any packet");
  int socketFd = udpSocket(7102);
  udpSendToPeer(socketFd, 5353, "a", 1);
  CHECK(poll(&wait, 1, 2000) == 1, "event not signalled by a publish");
  uint64_t value = 0;
  CHECK(read(fd, &value, sizeof value) == sizeof value && value >= 1, "event read failed");
  CHECK(poll(&wait, 1, 0) == 0, "event still signalled after a waiter consumed it");
  CHECK(read(fd, &value, sizeof value) < 0 && errno == EAGAIN, "event read blocks or succeeds");
  udpSendToPeer(socketFd, 5353, "b", 1);
  CHECK(poll(&wait, 1, 2000) == 1, "second publish not signalled");
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void fullReceiveRingDropsWholeBatchesAndCounts(void) {
  TestAdapter made = createTestAdapter(W("full0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7103);
  uint8_t payload[1400] = {0};
  udpSendToPeer(socketFd, 5353, payload, sizeof payload);
  DWORD size = 0;
  BYTE *held = receiveWithin(session, &size, 2000);
  CHECK(held != NULL, "first packet missing");
  /* Holding the first packet stops reclamation: about 91 packets fill the rest of the ring. */
  for (int i = 0; i < 300; ++i) {
    udpSendToPeer(socketFd, 5353, payload, sizeof payload);
    if (i % 16 == 15) sleepMs(1);
  }
  WINTUN_EMU_COUNTERS counters;
  uint64_t deadline = nowMs() + 3000;
  do {
    sleepMs(5);
    counters = sessionCounters(session);
  } while (counters.PacketsToApp + counters.PacketsDroppedRingFull < 301 && nowMs() < deadline);
  CHECK_EQ_U(counters.PacketsToApp + counters.PacketsDroppedRingFull, 301);
  CHECK(counters.BatchesDroppedRingFull > 0, "no batch dropped");
  CHECK_EQ_U(counters.BytesDroppedRingFull, counters.PacketsDroppedRingFull * 1428);
  CHECK(counters.PacketsToApp <= 91, "%llu packets in a 0x20000 ring",
        (unsigned long long)counters.PacketsToApp);
  /* The adapter's totals hold the same drops, and keep them after the session. */
  WINTUN_EMU_COUNTERS adapterTotals;
  CHECK(WintunEmuGetAdapterCounters(made.adapter, &adapterTotals), "no adapter counters");
  CHECK_EQ_U(adapterTotals.PacketsDroppedRingFull, counters.PacketsDroppedRingFull);
  CHECK_EQ_U(adapterTotals.BytesDroppedRingFull, counters.BytesDroppedRingFull);
  /* Drain: every published packet is intact, then traffic flows again. */
  int received = 1;
  WintunReleaseReceivePacket(session, held);
  BYTE *packet;
  while ((packet = WintunReceivePacket(session, &size)) != NULL) {
    CHECK_EQ_U(size, 1428);
    WintunReleaseReceivePacket(session, packet);
    ++received;
  }
  CHECK_EQ_U(received, counters.PacketsToApp);
  udpSendToPeer(socketFd, 5353, "after", 5);
  packet = receiveWithin(session, &size, 2000);
  CHECK(packet != NULL && size == 33, "traffic did not resume");
  WintunReleaseReceivePacket(session, packet);
  WintunEndSession(session);
  WINTUN_EMU_COUNTERS afterwards;
  CHECK(WintunEmuGetAdapterCounters(made.adapter, &afterwards), "no adapter counters");
  CHECK_EQ_U(afterwards.PacketsDroppedRingFull, counters.PacketsDroppedRingFull);
  CHECK_EQ_U(afterwards.PacketsToApp, counters.PacketsToApp + 1);
  WintunCloseAdapter(made.adapter);
}

void nonIpAndShortPacketsAreDroppedSilently(void) {
  TestAdapter made = createTestAdapter(W("filter0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7104);
  uint8_t junk[64] = {0};
  CHECK(sendToKernel(session, junk, sizeof junk), "allocate failed");
  junk[0] = 0x45;
  CHECK(sendToKernel(session, junk, 19), "allocate failed"); /* IPv4 shorter than 20 */
  junk[0] = 0x60;
  CHECK(sendToKernel(session, junk, 39), "allocate failed"); /* IPv6 shorter than 40 */
  CHECK(sendToKernel(session, junk, 0), "allocate failed");  /* empty */
  uint8_t packet[64];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7104, "valid", 5);
  CHECK(sendToKernel(session, packet, length), "allocate failed");
  char buffer[16];
  long got = udpReceive(socketFd, buffer, sizeof buffer, 2000);
  CHECK(got == 5 && memcmp(buffer, "valid", 5) == 0, "the valid packet did not follow (%ld)", got);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsDiscardedFromApp, 4);
  CHECK_EQ_U(counters.PacketsFromApp, 1);
  CHECK(WintunAllocateSendPacket(session, 20) != NULL, "ring dead after non-IP packets");
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void oversizePacketKillsSendRingOnly(void) {
  TestAdapter made = createTestAdapter(W("big0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  BYTE *slot = WintunAllocateSendPacket(session, 0x10000); /* the DLL does not check */
  CHECK(slot != NULL, "a 0x10000-byte allocation failed: %u", WintunEmuGetLastError());
  memset(slot, 0x45, 64);
  WintunSendPacket(session, slot);
  uint64_t deadline = nowMs() + 2000;
  BYTE *next = NULL;
  do {
    sleepMs(1);
    next = WintunAllocateSendPacket(session, 20);
  } while (next != NULL && nowMs() < deadline);
  CHECK(next == NULL, "send ring still alive after a size above 0xFFFF");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_HANDLE_EOF);
  CHECK_EQ_U(errno, WINTUN_ERROR_HANDLE_EOF);
  expectReceivingWorks(session, 7105);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void countersTrackPacketsAndBytesEachWay(void) {
  TestAdapter made = createTestAdapter(W("count0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  WINTUN_EMU_COUNTERS before;
  WintunEmuGetGlobalCounters(&before);
  int socketFd = udpSocket(7106);
  for (int i = 0; i < 5; ++i) {
    udpSendToPeer(socketFd, 5353, "12345678", 8);
    DWORD size = 0;
    BYTE *packet = receiveWithin(session, &size, 2000);
    CHECK(packet != NULL, "packet %d missing", i);
    WintunReleaseReceivePacket(session, packet);
  }
  uint8_t packet[64];
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7106, "abc", 3);
  char buffer[16];
  for (int i = 0; i < 3; ++i) {
    CHECK(sendToKernel(session, packet, length), "allocate failed");
    CHECK(udpReceive(socketFd, buffer, sizeof buffer, 2000) == 3, "datagram %d missing", i);
  }
  /* The driver counts after write() returns, which can be after the socket has the datagram. */
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  for (uint64_t deadline = nowMs() + 2000; counters.PacketsFromApp < 3 && nowMs() < deadline;) {
    sleepMs(1);
    counters = sessionCounters(session);
  }
  CHECK_EQ_U(counters.PacketsToApp, 5);
  CHECK_EQ_U(counters.BytesToApp, 5 * 36);
  CHECK_EQ_U(counters.PacketsFromApp, 3);
  CHECK_EQ_U(counters.BytesFromApp, 3 * 31);
  CHECK_EQ_U(counters.BatchesDroppedRingFull, 0);
  WINTUN_EMU_COUNTERS after;
  WintunEmuGetGlobalCounters(&after);
  CHECK_EQ_U(after.PacketsToApp - before.PacketsToApp, 5);
  CHECK_EQ_U(after.PacketsFromApp - before.PacketsFromApp, 3);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}
