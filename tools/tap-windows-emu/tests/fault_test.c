/* Fault injection: surprise removal with a packet in flight, short read buffers, and a queue
 * that overflows although reads are posted. */
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

/* B.5: the adapter vanishes as a packet arrives: the pending read ends with
 * ERROR_OPERATION_ABORTED, the packet is not delivered, the adapter leaves the registry. */
void faultRemovalMidRead(void) {
  PrimedLink link = openPrimedLink(u"FaultRemove");
  PostedRead read;
  postRead(link.device, &read, sizeof read.buffer);
  CHECK(TapEmuFaultRemoveOnNextFrame(link.adapter.guid), "no test hooks");
  udpSendToPeer(link.socketFd, 5353, "lost", 4);
  DWORD bytes = 99;
  CHECK_EQ_U(finishRead(link.device, &read, 2000, &bytes), ERROR_OPERATION_ABORTED);
  CHECK_EQ_U(bytes, 0);
  closeEvent(&read);
  CHECK(!registryListsTapAdapter(link.adapter.guid), "removed adapter still listed");
  CHECK_EQ_U(writePacket(link.device, read.buffer, 40), ERROR_OPERATION_ABORTED);
  closePrimedLink(&link);
}

/* B.5 with ordinary buffers: every read limited to 24 bytes gives ERROR_MORE_DATA and discards. */
void faultLimitedReadBuffersGiveMoreData(void) {
  PrimedLink link = openPrimedLink(u"FaultShort");
  CHECK(TapEmuFaultLimitReadBuffers(link.adapter.guid, 24), "no test hooks");
  for (int i = 0; i < 3; ++i) {
    PostedRead read;
    postRead(link.device, &read, sizeof read.buffer);
    udpSendToPeer(link.socketFd, 5353, "long enough", 11);
    DWORD bytes = 99;
    CHECK_EQ_U(finishRead(link.device, &read, 2000, &bytes), ERROR_MORE_DATA);
    CHECK_EQ_U(bytes, 0);
    closeEvent(&read);
  }
  CHECK_EQ_U(countersOf(link.adapter.guid).moreDataDiscards, 3);
  CHECK(TapEmuFaultLimitReadBuffers(link.adapter.guid, 0), "no test hooks");
  udpSendToPeer(link.socketFd, 5353, "whole", 5);
  uint8_t packet[READ_BUFFER];
  CHECK_EQ_U(readPacket(link.device, packet, 2000), 33);
  closePrimedLink(&link);
}

/* B.5: with completions held, 80 packets overflow the 64-packet queue despite a posted read;
 * released, the posted read takes the oldest queued packet and the rest stay queued. */
void faultHeldCompletionsOverflowQueue(void) {
  PrimedLink link = openPrimedLink(u"FaultHold");
  CHECK(TapEmuFaultHoldCompletions(link.adapter.guid, true), "no test hooks");
  PostedRead read;
  postRead(link.device, &read, sizeof read.buffer);
  uint64_t before = countersOf(link.adapter.guid).framesFromStack;
  for (uint32_t i = 0; i < 80; ++i) udpSendToPeer(link.socketFd, 5353, &i, sizeof i);
  uint64_t deadline = nowMs() + 3000;
  while (countersOf(link.adapter.guid).framesFromStack < before + 80 && nowMs() < deadline) sleepMs(5);
  CHECK_EQ_U(countersOf(link.adapter.guid).queueOverflowDrops, 16);
  DWORD bytes = 0;
  CHECK_EQ_U(finishRead(link.device, &read, 100, &bytes), (uint64_t)-1); /* still held */
  CHECK(TapEmuFaultHoldCompletions(link.adapter.guid, false), "no test hooks");
  CHECK_EQ_U(finishRead(link.device, &read, 2000, &bytes), 0);
  uint32_t number;
  memcpy(&number, read.buffer + 28, sizeof number);
  CHECK_EQ_U(number, 0);
  closeEvent(&read);
  uint8_t packet[READ_BUFFER];
  for (uint32_t i = 1; i < 64; ++i) CHECK_EQ_U(readPacket(link.device, packet, 1000), 32);
  CHECK(readPacket(link.device, packet, 200) < 0, "more than 64 were queued");
  closePrimedLink(&link);
}
