/* Sessions and the app side of both rings: capacity rules, exclusivity, link state, the exact
 * memory layout, thresholds, send order, out-of-order release and wrap-around. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "cases.h"
#include "harness.h"

#define RING_SIZE(capacity) ((capacity) + 0x1000Cu)

/* The driver threads write Head and Tail concurrently: read them as atomics, as wintun.dll does. */
static uint32_t ringField(volatile uint32_t *field) {
  return __atomic_load_n(field, __ATOMIC_ACQUIRE);
}

/* The ring header of the app's receive ring, found from the first packet received (offset 0). */
static RingHeader *receiveRingOf(const BYTE *firstPacket) {
  return (RingHeader *)(firstPacket - 4 - 12);
}

static BYTE *receiveOneFromKernel(WINTUN_SESSION_HANDLE session, int socketFd, DWORD *size) {
  udpSendToPeer(socketFd, 7000, "ring", 4);
  BYTE *packet = receiveWithin(session, size, 2000);
  CHECK(packet != NULL, "no packet from the kernel: %u", WintunEmuGetLastError());
  return packet;
}

void startSessionValidatesCapacity(void) {
  TestAdapter made = createTestAdapter(W("cap0"));
  const DWORD bad[] = {0, 0x10000, 0x1FFFF, 0x20004, 0x30000, 0x8000000, 0xFFFFFFFF};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    errno = 0;
    CHECK(WintunStartSession(made.adapter, bad[i]) == NULL, "capacity %#x accepted", bad[i]);
    CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_INVALID_PARAMETER);
    CHECK_EQ_U(errno, WINTUN_ERROR_INVALID_PARAMETER);
  }
  const DWORD good[] = {0x20000, 0x40000, 0x4000000};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; ++i) {
    WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, good[i]);
    WintunEndSession(session);
  }
  WintunCloseAdapter(made.adapter);
}

void secondSessionIsAlreadyInitialized(void) {
  TestAdapter made = createTestAdapter(W("one0"));
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, TEST_CAPACITY);
  CHECK(WintunStartSession(made.adapter, TEST_CAPACITY) == NULL, "second session started");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ALREADY_INITIALIZED);
  WINTUN_ADAPTER_HANDLE opened = WintunOpenAdapter(W("one0"));
  CHECK(WintunStartSession(opened, TEST_CAPACITY) == NULL, "session through an opened handle");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_ALREADY_INITIALIZED);
  WintunEndSession(session);
  WINTUN_SESSION_HANDLE again = startTestSessionWith(opened, TEST_CAPACITY);
  WintunEndSession(again);
  WintunCloseAdapter(opened);
  WintunCloseAdapter(made.adapter);
}

void linkIsUpOnlyDuringSession(void) {
  TestAdapter made = createTestAdapter(W("link0"));
  CHECK(!interfaceHasCarrier(made.ifname), "link up before any session");
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, TEST_CAPACITY);
  CHECK(interfaceHasCarrier(made.ifname), "link down during the session");
  WintunEndSession(session);
  CHECK(!interfaceHasCarrier(made.ifname), "link up after the session");
  WintunCloseAdapter(made.adapter);
}

void ringLayoutMatchesWintun(void) {
  TestAdapter made = createTestAdapter(W("layout0"));
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, TEST_CAPACITY);
  int socketFd = udpSocket(7001);
  DWORD size = 0;
  BYTE *packet = receiveOneFromKernel(session, socketFd, &size);
  CHECK_EQ_U(size, 28 + 4);
  CHECK(((uintptr_t)packet & 3u) == 0, "packet not 4-byte aligned");
  RingHeader *receiveRing = receiveRingOf(packet);
  CHECK(((uintptr_t)receiveRing & 4095u) == 0, "rings do not start the page-aligned region");
  CHECK_EQ_U(ringField(&receiveRing->tail), (4 + size + 3) & ~3u);
  CHECK_EQ_U(ringField(&receiveRing->head), 0);
  CHECK_EQ_U(*(const uint32_t *)(packet - 4), size);
  WintunReleaseReceivePacket(session, packet);
  CHECK_EQ_U(ringField(&receiveRing->head), ringField(&receiveRing->tail));

  BYTE *slot = WintunAllocateSendPacket(session, 41);
  RingHeader *sendRing = (RingHeader *)((uint8_t *)receiveRing + RING_SIZE(TEST_CAPACITY));
  CHECK(slot == (BYTE *)sendRing + 12 + 4, "send ring is not Capacity + 0x1000C after the first");
  CHECK_EQ_U(*(const uint32_t *)(slot - 4), 41u | 0x80000000u);
  CHECK_EQ_U(ringField(&sendRing->tail), 0);
  memset(slot, 0, 41);
  WintunSendPacket(session, slot);
  CHECK_EQ_U(ringField(&sendRing->tail), 48);
  CHECK_EQ_U(*(const uint32_t *)(slot - 4), 41);
  uint64_t deadline = nowMs() + 2000;
  while (ringField(&sendRing->head) != 48 && nowMs() < deadline) sleepMs(1);
  CHECK_EQ_U(ringField(&sendRing->head), 48);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void sendRingFitsExactly87FullSizeAllocations(void) {
  /* Free space is (Head - Tail - 4) & (Capacity - 1): 0x1FFFC bytes in an empty 0x20000 ring.
   * A 1500-byte packet takes align4(4 + 1500) = 1504, so 87 fit (130848) and 220 bytes remain. */
  TestAdapter made = createTestAdapter(W("fit0"));
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, TEST_CAPACITY);
  BYTE *slots[90];
  int allocated = 0;
  while (allocated < 90) {
    BYTE *slot = WintunAllocateSendPacket(session, 1500);
    if (slot == NULL) break;
    slots[allocated++] = slot;
  }
  CHECK(allocated == 87, "%d allocations of 1500 bytes fit", allocated);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_BUFFER_OVERFLOW);
  CHECK_EQ_U(errno, WINTUN_ERROR_BUFFER_OVERFLOW);
  BYTE *last = WintunAllocateSendPacket(session, 216);
  CHECK(last != NULL, "the remaining 220 bytes did not fit 216: %u", WintunEmuGetLastError());
  CHECK(WintunAllocateSendPacket(session, 0) == NULL, "a zero-size packet fit a full ring");
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_BUFFER_OVERFLOW);
  for (int i = 0; i < allocated; ++i) {
    memset(slots[i], 0, 1500); /* not IP: the driver drops them silently */
    WintunSendPacket(session, slots[i]);
  }
  memset(last, 0, 216);
  WintunSendPacket(session, last);
  WINTUN_EMU_COUNTERS counters;
  uint64_t deadline = nowMs() + 3000;
  do {
    sleepMs(1);
    counters = sessionCounters(session);
  } while (counters.PacketsDiscardedFromApp < 88 && nowMs() < deadline);
  CHECK_EQ_U(counters.PacketsDiscardedFromApp, 88);
  CHECK_EQ_U(counters.PacketsFromApp, 0);
  int again = 0;
  while (again < 90 && WintunAllocateSendPacket(session, 1500) != NULL) ++again;
  CHECK(again == 87, "%d allocations fit after the driver drained the ring", again);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void sendOrderIsAllocationOrder(void) {
  TestAdapter made = createTestAdapter(W("order0"));
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, TEST_CAPACITY);
  int socketFd = udpSocket(7002);
  uint8_t first[64], second[64];
  size_t firstLength = buildUdp4(first, PEER_ADDRESS, ADAPTER_ADDRESS, 9, 7002, "first", 5);
  size_t secondLength = buildUdp4(second, PEER_ADDRESS, ADAPTER_ADDRESS, 9, 7002, "second", 6);
  BYTE *a = WintunAllocateSendPacket(session, (DWORD)firstLength);
  BYTE *b = WintunAllocateSendPacket(session, (DWORD)secondLength);
  memcpy(a, first, firstLength);
  memcpy(b, second, secondLength);
  WintunSendPacket(session, b);
  char buffer[64];
  CHECK(udpReceive(socketFd, buffer, sizeof buffer, 200) < 0,
        "a packet sent before an earlier allocation was published");
  WintunSendPacket(session, a);
  long got = udpReceive(socketFd, buffer, sizeof buffer, 2000);
  CHECK(got == 5 && memcmp(buffer, "first", 5) == 0, "first datagram wrong (%ld)", got);
  got = udpReceive(socketFd, buffer, sizeof buffer, 2000);
  CHECK(got == 6 && memcmp(buffer, "second", 6) == 0, "second datagram wrong (%ld)", got);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void outOfOrderReleaseReclaimsAtHeadOfLine(void) {
  TestAdapter made = createTestAdapter(W("release0"));
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, TEST_CAPACITY);
  int socketFd = udpSocket(7003);
  DWORD sizes[3];
  BYTE *packets[3];
  for (int i = 0; i < 3; ++i) packets[i] = receiveOneFromKernel(session, socketFd, &sizes[i]);
  RingHeader *ring = receiveRingOf(packets[0]);
  uint32_t footprint = (4 + sizes[0] + 3) & ~3u;
  CHECK(packets[1] == packets[0] + footprint && packets[2] == packets[1] + footprint,
        "packets are not consecutive in the ring");
  WintunReleaseReceivePacket(session, packets[2]);
  WintunReleaseReceivePacket(session, packets[1]);
  CHECK_EQ_U(ringField(&ring->head), 0);
  CHECK((*(const uint32_t *)(packets[1] - 4) & 0x80000000u) != 0, "released flag not set");
  WintunReleaseReceivePacket(session, packets[0]);
  CHECK_EQ_U(ringField(&ring->head), 3 * footprint);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void receivedPacketsStayContiguousPastWrap(void) {
  TestAdapter made = createTestAdapter(W("wrap0"));
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, TEST_CAPACITY);
  int socketFd = udpSocket(7004);
  uint8_t payload[1400];
  const uint8_t *ringData = NULL;
  bool crossed = false;
  for (int i = 0; i < 200 && !crossed; ++i) {
    for (size_t k = 0; k < sizeof payload; ++k) payload[k] = (uint8_t)(i * 7 + k);
    udpSendToPeer(socketFd, 7000, payload, sizeof payload);
    DWORD size = 0;
    BYTE *packet = receiveWithin(session, &size, 2000);
    CHECK(packet != NULL, "packet %d missing: %u", i, WintunEmuGetLastError());
    if (ringData == NULL) ringData = packet - 4;
    size_t offset = (size_t)(packet - 4 - ringData);
    CHECK(offset < TEST_CAPACITY, "packet starts past Capacity (%zu)", offset);
    CHECK_EQ_U(size, 28 + sizeof payload);
    CHECK(memcmp(packet + 28, payload, sizeof payload) == 0, "packet %d damaged", i);
    crossed = offset + 4 + size > TEST_CAPACITY;
    WintunReleaseReceivePacket(session, packet);
  }
  CHECK(crossed, "no packet ran past the wrap point");
  DWORD size = 0;
  BYTE *next = receiveOneFromKernel(session, socketFd, &size);
  CHECK((size_t)(next - 4 - ringData) < 2048, "the packet after the wrap is not at the start");
  WintunReleaseReceivePacket(session, next);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void sentPacketsStayContiguousPastWrap(void) {
  TestAdapter made = createTestAdapter(W("wrap1"));
  WINTUN_SESSION_HANDLE session = startTestSessionWith(made.adapter, TEST_CAPACITY);
  int socketFd = udpSocket(7005);
  uint8_t payload[1400], packet[1500], received[1500];
  const uint8_t *ringData = NULL;
  bool crossed = false;
  for (int i = 0; i < 200 && !crossed; ++i) {
    for (size_t k = 0; k < sizeof payload; ++k) payload[k] = (uint8_t)(i * 13 + k);
    size_t length = buildUdp4(packet, PEER_ADDRESS, ADAPTER_ADDRESS, 9, 7005, payload, sizeof payload);
    BYTE *slot = WintunAllocateSendPacket(session, (DWORD)length);
    CHECK(slot != NULL, "allocation %d failed: %u", i, WintunEmuGetLastError());
    if (ringData == NULL) ringData = slot - 4;
    size_t offset = (size_t)(slot - 4 - ringData);
    crossed = offset + 4 + length > TEST_CAPACITY;
    memcpy(slot, packet, length);
    WintunSendPacket(session, slot);
    long got = udpReceive(socketFd, received, sizeof received, 2000);
    CHECK(got == (long)sizeof payload && memcmp(received, payload, sizeof payload) == 0,
          "datagram %d damaged or missing (%ld)", i, got);
  }
  CHECK(crossed, "no allocation ran past the wrap point");
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}
