/* Strict mode: misuse that corrupts memory or crashes on Windows aborts at once, naming the call.
 * Each misuse runs in a forked child that sets up its own adapter and session. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "cases.h"
#include "harness.h"

static WINTUN_ADAPTER_HANDLE childAdapter;
static WINTUN_SESSION_HANDLE childSession;
static int childSocket;

static void setUpChild(void) {
  WintunEmuSetStrictMode(1);
  childAdapter = createTestAdapter(W("strict0")).adapter;
  childSession = WintunStartSession(childAdapter, TEST_CAPACITY);
  CHECK(childSession != NULL, "start failed: %u", WintunEmuGetLastError());
  childSocket = udpSocket(7300);
}

static BYTE *childReceive(void) {
  udpSendToPeer(childSocket, 5353, "x", 1);
  DWORD size;
  BYTE *packet = receiveWithin(childSession, &size, 2000);
  CHECK(packet != NULL, "no packet");
  return packet;
}

static void releaseTwice(void) {
  setUpChild();
  BYTE *first = childReceive();
  BYTE *second = childReceive();
  WintunReleaseReceivePacket(childSession, second);
  WintunReleaseReceivePacket(childSession, second);
  (void)first;
}

static void releaseReclaimedPacket(void) {
  setUpChild();
  BYTE *packet = childReceive();
  WintunReleaseReceivePacket(childSession, packet);
  WintunReleaseReceivePacket(childSession, packet);
}

static void releaseNeverReceived(void) {
  setUpChild();
  static BYTE stranger[64];
  WintunReleaseReceivePacket(childSession, stranger + 4);
}

static void sendNeverAllocated(void) {
  setUpChild();
  BYTE *slot = WintunAllocateSendPacket(childSession, 40);
  WintunSendPacket(childSession, slot + 8);
}

static void sendTwice(void) {
  setUpChild();
  BYTE *held = WintunAllocateSendPacket(childSession, 40);
  BYTE *slot = WintunAllocateSendPacket(childSession, 40);
  memset(slot, 0, 40);
  WintunSendPacket(childSession, slot);
  WintunSendPacket(childSession, slot);
  (void)held;
}

static void receiveAfterEnd(void) {
  setUpChild();
  WintunEndSession(childSession);
  DWORD size;
  WintunReceivePacket(childSession, &size);
}

static void endTwice(void) {
  setUpChild();
  WintunEndSession(childSession);
  WintunEndSession(childSession);
}

static void allocateNullSession(void) {
  WintunEmuSetStrictMode(1);
  WintunAllocateSendPacket(NULL, 20);
}

static void luidOfClosedAdapter(void) {
  setUpChild();
  WintunEndSession(childSession);
  WintunCloseAdapter(childAdapter);
  WINTUN_NET_LUID luid;
  WintunGetAdapterLUID(childAdapter, &luid);
}

void strictAbortsOnDoubleRelease(void) {
  CHECK(abortsWithMessage(releaseTwice, "WintunReleaseReceivePacket"), "no abort");
  CHECK(abortsWithMessage(releaseReclaimedPacket, "WintunReleaseReceivePacket"), "no abort");
}

void strictAbortsOnReleaseOfUnknownPointer(void) {
  CHECK(abortsWithMessage(releaseNeverReceived, "WintunReleaseReceivePacket"), "no abort");
}

void strictAbortsOnSendOfUnallocatedPointer(void) {
  CHECK(abortsWithMessage(sendNeverAllocated, "WintunSendPacket"), "no abort");
}

void strictAbortsOnSendingTwice(void) {
  CHECK(abortsWithMessage(sendTwice, "WintunSendPacket"), "no abort");
}

void strictAbortsOnCallsAfterEndSession(void) {
  CHECK(abortsWithMessage(receiveAfterEnd, "WintunReceivePacket"), "no abort");
  CHECK(abortsWithMessage(endTwice, "WintunEndSession"), "no abort");
}

void strictAbortsOnNullOrClosedHandles(void) {
  CHECK(abortsWithMessage(allocateNullSession, "WintunAllocateSendPacket"), "no abort");
  CHECK(abortsWithMessage(luidOfClosedAdapter, "WintunGetAdapterLUID"), "no abort");
}

void lenientModeReportsNullHandles(void) {
  WintunEmuSetStrictMode(0);
  CHECK(!WintunEmuGetStrictMode(), "strict mode still on");
  errno = 0;
  CHECK(WintunAllocateSendPacket(NULL, 20) == NULL, "allocated on a NULL session");
  CHECK_EQ_U(WintunEmuGetLastError(), 6);
  CHECK_EQ_U(errno, 6);
  DWORD size;
  CHECK(WintunReceivePacket(NULL, &size) == NULL, "received on a NULL session");
  WintunReleaseReceivePacket(NULL, NULL);
  WintunSendPacket(NULL, NULL);
  WintunEndSession(NULL);
  WintunCloseAdapter(NULL);
  CHECK(WintunStartSession(NULL, TEST_CAPACITY) == NULL, "session on a NULL adapter");
  CHECK_EQ_U(WintunEmuGetLastError(), 6);
}
