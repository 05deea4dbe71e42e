/* Fault injection: loss, duplication and reordering per direction with a seed; forced
 * end-of-session; forced ring corruption; the same faults from the environment. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "cases.h"
#include "harness.h"

enum { kProbePackets = 200 };

static int repeats(const uint32_t *seen, int count) {
  int found = 0;
  for (int i = 0; i < count; ++i) {
    for (int k = 0; k < i; ++k) {
      if (seen[k] == seen[i]) {
        ++found;
        break;
      }
    }
  }
  return found;
}

void faultLossDropsPacketsEachWay(void) {
  TestAdapter made = createTestAdapter(W("loss0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  WINTUN_EMU_FAULTS faults = {.Seed = 7, .ToApp = {.LossPerMillion = 300000},
                              .FromApp = {.LossPerMillion = 300000}};
  CHECK(WintunEmuSetSessionFaults(session, &faults), "faults refused");
  int socketFd = udpSocket(7400);
  uint32_t seen[2 * kProbePackets];
  int toApp = kernelToAppSequence(session, socketFd, kProbePackets, seen, 2 * kProbePackets);
  int fromApp =
      appToKernelSequence(session, socketFd, 7400, kProbePackets, seen, 2 * kProbePackets);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK(toApp > 90 && toApp < 190, "%d of %d arrived with 30%% loss", toApp, kProbePackets);
  CHECK(fromApp > 90 && fromApp < 190, "%d of %d arrived with 30%% loss", fromApp, kProbePackets);
  CHECK_EQ_U(counters.PacketsLostByFault, 2 * kProbePackets - toApp - fromApp);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void faultDuplicationRepeatsPackets(void) {
  TestAdapter made = createTestAdapter(W("dup0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  WINTUN_EMU_FAULTS faults = {.Seed = 8, .ToApp = {.DuplicatePerMillion = 200000},
                              .FromApp = {.DuplicatePerMillion = 200000}};
  WintunEmuSetSessionFaults(session, &faults);
  int socketFd = udpSocket(7401);
  uint32_t seen[2 * kProbePackets];
  int toApp = kernelToAppSequence(session, socketFd, kProbePackets, seen, 2 * kProbePackets);
  int toAppRepeats = repeats(seen, toApp);
  int fromApp =
      appToKernelSequence(session, socketFd, 7401, kProbePackets, seen, 2 * kProbePackets);
  int fromAppRepeats = repeats(seen, fromApp);
  CHECK(toAppRepeats > 10 && toApp == kProbePackets + toAppRepeats, "to app: %d with %d repeats",
        toApp, toAppRepeats);
  CHECK(fromAppRepeats > 10 && fromApp == kProbePackets + fromAppRepeats,
        "from app: %d with %d repeats", fromApp, fromAppRepeats);
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsDuplicatedByFault, toAppRepeats + fromAppRepeats);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void faultReorderingSwapsPackets(void) {
  TestAdapter made = createTestAdapter(W("reorder0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  WINTUN_EMU_FAULTS faults = {.Seed = 9, .ToApp = {.ReorderPerMillion = 200000},
                              .FromApp = {.ReorderPerMillion = 200000}};
  WintunEmuSetSessionFaults(session, &faults);
  int socketFd = udpSocket(7402);
  uint32_t seen[2 * kProbePackets];
  int toApp = kernelToAppSequence(session, socketFd, kProbePackets, seen, 2 * kProbePackets);
  int toAppInversions = inversions(seen, toApp);
  int fromApp =
      appToKernelSequence(session, socketFd, 7402, kProbePackets, seen, 2 * kProbePackets);
  int fromAppInversions = inversions(seen, fromApp);
  CHECK(toApp == kProbePackets && toAppInversions > 10, "to app: %d, %d inversions", toApp,
        toAppInversions);
  CHECK(fromApp == kProbePackets && fromAppInversions > 10, "from app: %d, %d inversions", fromApp,
        fromAppInversions);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void faultSameSeedSameDecisions(void) {
  TestAdapter made = createTestAdapter(W("seed0"));
  int socketFd = udpSocket(7403);
  uint32_t runs[2][2 * kProbePackets];
  int counts[2];
  for (int run = 0; run < 2; ++run) {
    WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
    WINTUN_EMU_FAULTS faults = {.Seed = 42, .FromApp = {.LossPerMillion = 250000}};
    WintunEmuSetSessionFaults(session, &faults);
    counts[run] = appToKernelSequence(session, socketFd, 7403, kProbePackets, runs[run],
                                      2 * kProbePackets);
    WintunEndSession(session);
  }
  CHECK(counts[0] < kProbePackets && counts[0] == counts[1], "runs kept %d and %d packets",
        counts[0], counts[1]);
  CHECK(memcmp(runs[0], runs[1], (size_t)counts[0] * sizeof(uint32_t)) == 0,
        "the same seed lost different packets");
  WintunCloseAdapter(made.adapter);
}

void faultForcedEndOfSession(void) {
  TestAdapter made = createTestAdapter(W("eof0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  CHECK(WintunEmuForceEndOfSession(session), "refused");
  CHECK(waitReadEvent(session, 2000), "read event not signalled");
  DWORD size;
  uint64_t deadline = nowMs() + 2000;
  while (WintunReceivePacket(session, &size) == NULL &&
         WintunEmuGetLastError() != WINTUN_ERROR_HANDLE_EOF && nowMs() < deadline) {
    sleepMs(1);
  }
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_HANDLE_EOF);
  while (WintunAllocateSendPacket(session, 20) != NULL && nowMs() < deadline) sleepMs(1);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_HANDLE_EOF);
  CHECK(!interfaceHasCarrier(made.ifname), "link still up after the driver ended the session");
  WintunEndSession(session);
  WINTUN_SESSION_HANDLE again = startTestSession(made.adapter);
  WintunEndSession(again);
  WintunCloseAdapter(made.adapter);
}

void faultCorruptReceiveRingReportsInvalidData(void) {
  TestAdapter made = createTestAdapter(W("bad0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  CHECK(WintunEmuCorruptRing(session, WINTUN_EMU_RING_TO_APP), "refused");
  CHECK(waitReadEvent(session, 2000), "corruption not published");
  DWORD size;
  for (int i = 0; i < 3; ++i) {
    errno = 0;
    CHECK(WintunReceivePacket(session, &size) == NULL, "received from a corrupt ring");
    CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_INVALID_DATA);
    CHECK_EQ_U(errno, WINTUN_ERROR_INVALID_DATA);
  }
  CHECK(WintunAllocateSendPacket(session, 20) != NULL, "the send ring died with the receive ring");
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void faultCorruptSendRingEndsAllocation(void) {
  TestAdapter made = createTestAdapter(W("bad1"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  CHECK(WintunEmuCorruptRing(session, WINTUN_EMU_RING_FROM_APP), "refused");
  uint64_t deadline = nowMs() + 2000;
  while (WintunAllocateSendPacket(session, 20) != NULL && nowMs() < deadline) sleepMs(1);
  CHECK_EQ_U(WintunEmuGetLastError(), WINTUN_ERROR_HANDLE_EOF);
  int socketFd = udpSocket(7404);
  udpSendToPeer(socketFd, 5353, "alive", 5);
  DWORD size;
  BYTE *packet = receiveWithin(session, &size, 2000);
  CHECK(packet != NULL, "receiving died with the send ring");
  WintunReleaseReceivePacket(session, packet);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}

void faultsFromEnvironment(void) {
  /* Read when the first session starts; set here before any session exists. */
  setenv("WINTUN_EMU_TO_APP_LOSS", "100", 1);
  setenv("WINTUN_EMU_END_SESSION_AFTER", "1", 1);
  TestAdapter made = createTestAdapter(W("env0"));
  WINTUN_SESSION_HANDLE session = startTestSession(made.adapter);
  int socketFd = udpSocket(7405);
  udpSendToPeer(socketFd, 5353, "lost", 4);
  DWORD size;
  CHECK(receiveWithin(session, &size, 200) == NULL, "a packet survived 100%% loss");
  WINTUN_EMU_COUNTERS counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsLostByFault, 1);
  WINTUN_EMU_FAULTS none = {0};
  WintunEmuSetSessionFaults(session, &none);
  udpSendToPeer(socketFd, 5353, "kept", 4);
  /* The session ends right after that publish; as on Windows, a dead ring reports EOF even
   * with a packet still in it, so only the counter tells it was published. */
  uint64_t deadline = nowMs() + 2000;
  BYTE *packet;
  while ((packet = WintunReceivePacket(session, &size)) != NULL ||
         WintunEmuGetLastError() != WINTUN_ERROR_HANDLE_EOF) {
    if (packet != NULL) WintunReleaseReceivePacket(session, packet);
    CHECK(nowMs() < deadline, "the session did not end after one packet");
    waitReadEvent(session, 10);
  }
  counters = sessionCounters(session);
  CHECK_EQ_U(counters.PacketsToApp, 1);
  WintunEndSession(session);
  WintunCloseAdapter(made.adapter);
}
