/* The pause fault: while the emulated driver leaves the send ring alone, a single sender fills it
 * exactly to the contract's threshold and then gets ERROR_BUFFER_OVERFLOW, as a fast producer
 * does against wintun.sys; resuming writes what accumulated in ring order; the session ends
 * cleanly while paused, losing the pending packets as a Windows session end does. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cases.h"
#include "harness.h"

enum {
  kFullSizePacket = 1500,
  kFullSizePayload = kFullSizePacket - 28,
  /* Free space of an empty 0x20000 ring is 0x1FFFC; a 1500-byte packet takes 1504. */
  kFullSizePacketsThatFit = 87,
};

/* Allocates and sends full-size UDP datagrams to `port`, numbered from `first`, until Allocate
 * fails (bounded); returns how many were sent. */
static int sendFullSizeUntilRefused(WINTUN_SESSION_HANDLE session, uint16_t port,
                                    uint32_t first) {
  static uint8_t payload[kFullSizePayload];
  uint8_t packet[kFullSizePacket];
  int sent = 0;
  while (sent < 2 * kFullSizePacketsThatFit) {
    uint32_t number = first + (uint32_t)sent;
    memcpy(payload, &number, sizeof number);
    size_t length =
        buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, port, payload, sizeof payload);
    CHECK(length == kFullSizePacket, "unexpected packet length %zu", length);
    if (!sendToKernel(session, packet, length)) break;
    ++sent;
  }
  return sent;
}

static int bigReceiveSocket(uint16_t port) {
  int fd = udpSocket(port);
  int bytes = 8 << 20;
  CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof bytes) == 0,
        "SO_RCVBUFFORCE: %s", strerror(errno));
  return fd;
}

void pausedSendRingFillsAt87FullSizePackets(void) {
  /* Read when the first session starts; this process has none yet. */
  setenv("WINTUN_EMU_PAUSE_FROM_APP", "1", 1);
  TestAdapter made = createTestAdapter(W("pause0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  BYTE *first = WintunAllocateSendPacket(session, kFullSizePacket);
  CHECK(first != NULL, "allocate failed: %u", WintunEmuGetLastError());
  RingHeader *ring = (RingHeader *)(first - 4 - 12);
  memset(first, 0, kFullSizePacket); /* not IP: dropped silently if it were ever consumed */
  WintunSendPacket(session, first);
  int sent = 1 + sendFullSizeUntilRefused(session, 7700, 1);
  CHECK(sent == kFullSizePacketsThatFit, "%d full-size packets fit a paused ring", sent);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_BUFFER_OVERFLOW);
  CHECK_EQ_U(errno, WINTUN_ERROR_BUFFER_OVERFLOW);
  /* The remaining 220 bytes still take a 216-byte packet, as in an unpaused ring. */
  BYTE *last = WintunAllocateSendPacket(session, 216);
  CHECK(last != NULL, "the remaining 220 bytes did not fit 216: %u", WintunEmuGetLastError());
  memset(last, 0, 216);
  WintunSendPacket(session, last);
  CHECK(WintunAllocateSendPacket(session, 0) == NULL, "a zero-size packet fit a full ring");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_BUFFER_OVERFLOW);
  /* Neither the senders nor the driver thread consumed anything, even given time. */
  sleepMs(30);
  CHECK_EQ_U(__atomic_load_n(&ring->head, __ATOMIC_ACQUIRE), 0);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsFromApp, 0);
  CHECK_EQ_U(counters.PacketsDiscardedFromApp, 0);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void resumeWritesAccumulatedPacketsInOrder(void) {
  TestAdapter made = createTestAdapter(W("pause1"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = bigReceiveSocket(7701);
  /* Some live traffic first, so the paused packets start mid-ring. */
  uint8_t packet[64];
  for (uint32_t i = 0; i < 3; ++i) {
    size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7701, &i, sizeof i);
    CHECK(sendToKernel(session, packet, length), "allocate failed: %u", WintunEmuGetLastError());
  }
  /* A send that met the driver thread consuming is left to that thread: wait for all three. */
  uint64_t deadline = nowMs() + 2000;
  while (sessionCounters(session).PacketsFromApp < 3 && nowMs() < deadline) sleepMs(1);
  CHECK_EQ_U(sessionCounters(session).PacketsFromApp, 3);
  CHECK(WintunEmuPauseFromApp(session, 1), "pause refused");
  int sent = sendFullSizeUntilRefused(session, 7701, 3);
  CHECK(sent == kFullSizePacketsThatFit, "%d full-size packets fit a paused ring", sent);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_BUFFER_OVERFLOW);
  sleepMs(20);
  CHECK_EQ_U(sessionCounters(session).PacketsFromApp, 3);
  CHECK(WintunEmuPauseFromApp(session, 0), "resume refused");
  /* Resuming consumed everything before returning. */
  CHECK_EQ_U(sessionCounters(session).PacketsFromApp, 3 + kFullSizePacketsThatFit);
  static uint8_t buffer[kFullSizePayload];
  for (uint32_t expected = 0; expected < 3u + kFullSizePacketsThatFit; ++expected) {
    long got = udpReceive(socketFd, buffer, sizeof buffer, 2000);
    CHECK(got >= 4, "datagram %u missing", expected);
    uint32_t number;
    memcpy(&number, buffer, sizeof number);
    CHECK(number == expected, "datagram %u arrived as number %u", number, expected);
  }
  /* Unpaused again: a send is consumed before it returns. */
  uint32_t tail = 90;
  size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7701, &tail, sizeof tail);
  CHECK(sendToKernel(session, packet, length), "allocate after resume failed: %u",
        WintunEmuGetLastError());
  CHECK_EQ_U(sessionCounters(session).PacketsFromApp, 3 + kFullSizePacketsThatFit + 1);
  CHECK(udpReceive(socketFd, buffer, sizeof buffer, 2000) == sizeof tail, "last datagram missing");
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void sessionEndsWhilePausedAndLosesPendingPackets(void) {
  TestAdapter made = createTestAdapter(W("pause2"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = bigReceiveSocket(7702);
  CHECK(WintunEmuPauseFromApp(session, 1), "pause refused");
  int sent = sendFullSizeUntilRefused(session, 7702, 0);
  CHECK(sent == kFullSizePacketsThatFit, "%d full-size packets fit a paused ring", sent);
  /* The driver ends the session under the pause: the send ring reports EOF, the reader wakes. */
  CHECK(WintunEmuForceEndOfSession(session), "forced end refused");
  uint64_t deadline = nowMs() + 2000;
  while (WintunAllocateSendPacket(session, kFullSizePacket) == NULL &&
         WintunEmuGetLastError() == WINTUN_ERROR_BUFFER_OVERFLOW && nowMs() < deadline) {
    sleepMs(1);
  }
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_HANDLE_EOF);
  CHECK(waitReadEvent(session, 2000), "read event not signalled at the end");
  CHECK_EQ_U(sessionCounters(session).PacketsFromApp, 0);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
  uint8_t buffer[kFullSizePayload];
  CHECK(udpReceive(socketFd, buffer, sizeof buffer, 100) < 0, "a pending packet was written");

  /* WintunEndSession itself while paused, with packets pending; the adapter stays usable. */
  made = createTestAdapter(W("pause3"));
  session = startTestSession(made.adapter);
  CHECK(WintunEmuPauseFromApp(session, 1), "pause refused");
  CHECK(sendFullSizeUntilRefused(session, 7702, 0) == kFullSizePacketsThatFit, "ring not full");
  WINTUN_EMU_COUNTERS before;
  WintunEmuGetGlobalCounters(&before);
  WintunEndSession(session);
  WINTUN_EMU_COUNTERS after;
  WintunEmuGetGlobalCounters(&after);
  CHECK_EQ_U(after.PacketsFromApp, before.PacketsFromApp);
  CHECK(udpReceive(socketFd, buffer, sizeof buffer, 100) < 0, "a pending packet was written");
  session = startTestSession(made.adapter);
  uint32_t number = 7;
  uint8_t packet[64];
  size_t length =
      buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 4000, 7702, &number, sizeof number);
  CHECK(sendToKernel(session, packet, length), "allocate failed: %u", WintunEmuGetLastError());
  CHECK(udpReceive(socketFd, buffer, sizeof buffer, 2000) == sizeof number,
        "a new session's packet did not leave: the pause outlived its session");
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}
