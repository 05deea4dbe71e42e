/* The emulated driver and an app that is behind (busy with packets it has not released, not
 * calling WintunReceivePacket): the driver thread stops watching the TUN file and publishes what
 * the kernel queued every 200 us, rather than waking for every packet; nothing is lost or
 * reordered, and a waiting app still gets the next packet. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cases.h"
#include "harness.h"

enum { kBehindPackets = 1000, kSpacingUs = 40 };

void driverPublishesInBatchesForAppBehind(void) {
  TestAdapter made = createTestAdapter(W("behind0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7710);
  /* The app takes one packet and keeps it: from now on it is behind. */
  int stamp = -1;
  udpSendToPeer(socketFd, 5353, &stamp, sizeof stamp);
  DWORD size = 0;
  BYTE *kept = receiveWithin(session, &size, 2000);
  CHECK(kept != NULL, "the first datagram never arrived");

  /* The thread names itself when it starts, which the inline receive above need not wait for. */
  int driver = threadNamed("wintun-to-app", 1000);
  CHECK(driver >= 0, "no thread named wintun-to-app");
  long before = threadContextSwitches(driver, true);
  /* One datagram every 40 us for 40 ms. */
  uint64_t elapsedUs = udpSendPacedToPeer(socketFd, 5353, kBehindPackets, kSpacingUs);
  struct timespec settle = {0, 2000000};
  nanosleep(&settle, NULL);
  long wakeUps = threadContextSwitches(driver, true) - before;
  /* Watching the file, it woke for nearly every datagram (841 to 967 of 1000 in tests); looking
   * every 200 us, about 200 times in 40 ms. A machine too busy to keep the pace sends the
   * datagrams further apart than the looks, and then both ways wake about once per datagram:
   * the count says nothing there, and only delivery is checked. */
  if (elapsedUs <= 2u * kBehindPackets * (uint64_t)kSpacingUs) {
    CHECK(wakeUps < kBehindPackets / 2, "the driver thread woke %ld times for %d datagrams",
          wakeUps, kBehindPackets);
  } else {
    fprintf(stderr, "note: %d datagrams took %llu ms to send, not 40: wake-ups not checked\n",
            kBehindPackets, (unsigned long long)(elapsedUs / 1000));
  }

  /* Everything reached the ring, in order, while the app was behind. */
  WintunReleaseReceivePacket(session, kept);
  for (int i = 0; i < kBehindPackets; ++i) {
    BYTE *packet = WintunReceivePacket(session, &size);
    CHECK(packet != NULL, "datagram %d not in the ring (last error %u)", i,
          WintunEmuGetLastError());
    memcpy(&stamp, packet + 28, sizeof stamp);
    CHECK(stamp == i, "datagram %d arrived as %d", i, stamp);
    WintunReleaseReceivePacket(session, packet);
  }
  CHECK(WintunReceivePacket(session, &size) == NULL, "more datagrams than were sent");

  /* That empty call handed the watch back: an app waiting on the read event (which the inline
   * reads above may have left signalled: a spurious wake-up) gets the next datagram. */
  stamp = kBehindPackets;
  udpSendToPeer(socketFd, 5353, &stamp, sizeof stamp);
  BYTE *last = receiveWithin(session, &size, 2000);
  CHECK(last != NULL, "no datagram for an app waiting after it caught up");
  WintunReleaseReceivePacket(session, last);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsToApp, kBehindPackets + 2);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}
