/* Reads and writes as overlapped requests (B.5): the read buffer rule, the 64-packet queue, and
 * what OVERLAPPED reports. */
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

/* B.5: a read buffer shorter than the packet completes with ERROR_MORE_DATA and 0 bytes, and
 * the packet is discarded: the next read gets the next packet. */
void shortReadBufferGivesMoreDataAndDiscards(void) {
  PrimedLink link = openPrimedLink(u"MoreData");
  PostedRead small;
  postRead(link.device, &small, 20);
  udpSendToPeer(link.socketFd, 5353, "first", 5);
  DWORD bytes = 99;
  CHECK_EQ_U(finishRead(link.device, &small, 2000, &bytes), ERROR_MORE_DATA);
  CHECK_EQ_U(bytes, 0);
  closeEvent(&small);
  udpSendToPeer(link.socketFd, 5353, "second", 6);
  uint8_t packet[READ_BUFFER];
  CHECK_EQ_U(readPacket(link.device, packet, 2000), 28 + 6);
  CHECK(memcmp(packet + 28, "second", 6) == 0, "the discarded packet came back");
  CHECK_EQ_U(countersOf(link.adapter.guid).moreDataDiscards, 1);
  closePrimedLink(&link);
}

/* ReadFile (fileapi.h): the event of an overlapped request is set nonsignaled when the operation
 * begins, so one event per OVERLAPPED can be reused read after read without ResetEvent. */
void readFileResetsTheRequestEvent(void) {
  PrimedLink link = openPrimedLink(u"EventReset");
  PostedRead read;
  memset(&read.overlapped, 0, sizeof read.overlapped);
  read.overlapped.hEvent = api->CreateEventW(NULL, TRUE, TRUE, NULL); /* signalled from the start */
  CHECK(read.overlapped.hEvent != NULL, "CreateEventW failed");
  CHECK(!api->ReadFile(link.device, read.buffer, READ_BUFFER, NULL, &read.overlapped) &&
            api->GetLastError() == ERROR_IO_PENDING,
        "ReadFile did not pend");
  CHECK_EQ_U(api->WaitForSingleObject(read.overlapped.hEvent, 0), WAIT_TIMEOUT);
  udpSendToPeer(link.socketFd, 5353, "wake", 4);
  DWORD bytes = 0;
  CHECK_EQ_U(finishRead(link.device, &read, 2000, &bytes), 0);
  CHECK_EQ_U(bytes, 28 + 4);
  CHECK_EQ_U(api->WaitForSingleObject(read.overlapped.hEvent, 0), WAIT_OBJECT_0);
  closeEvent(&read);
  closePrimedLink(&link);
}

/* B.5: with no read posted the driver queues 64 packets and drops the rest (counted here). */
void receiveQueueHoldsSixtyFourPackets(void) {
  PrimedLink link = openPrimedLink(u"Queue");
  uint64_t before = countersOf(link.adapter.guid).framesFromStack;
  for (uint32_t i = 0; i < 100; ++i) udpSendToPeer(link.socketFd, 5353, &i, sizeof i);
  uint64_t deadline = nowMs() + 3000;
  while (countersOf(link.adapter.guid).framesFromStack < before + 100 && nowMs() < deadline) sleepMs(5);
  CHECK_EQ_U(countersOf(link.adapter.guid).framesFromStack, before + 100);
  CHECK_EQ_U(countersOf(link.adapter.guid).queueOverflowDrops, 36);
  uint8_t packet[READ_BUFFER];
  for (uint32_t i = 0; i < 64; ++i) {
    CHECK_EQ_U(readPacket(link.device, packet, 1000), 32);
    uint32_t number;
    memcpy(&number, packet + 28, sizeof number);
    CHECK_EQ_U(number, i); /* the oldest 64, in order */
  }
  CHECK(readPacket(link.device, packet, 200) < 0, "more than 64 packets were queued");
  closePrimedLink(&link);
}

/* winbase.h/minwinbase.h: a pending request has Internal = STATUS_PENDING and
 * GetOverlappedResult(bWait = FALSE) says ERROR_IO_INCOMPLETE; completion stores the NTSTATUS
 * in Internal and the byte count in InternalHigh and sets the event; with hEvent NULL,
 * GetOverlappedResult(bWait = TRUE) waits on the file handle. */
void overlappedReportsStatusAndBytes(void) {
  PrimedLink link = openPrimedLink(u"Overlapped");
  PostedRead read;
  postRead(link.device, &read, sizeof read.buffer);
  CHECK_EQ_U(__atomic_load_n(&read.overlapped.Internal, __ATOMIC_ACQUIRE), 0x103);
  DWORD bytes = 0;
  CHECK(!api->GetOverlappedResult(link.device, &read.overlapped, &bytes, FALSE), "not pending");
  CHECK_EQ_U(api->GetLastError(), ERROR_IO_INCOMPLETE);
  CHECK_EQ_U(api->WaitForSingleObject(read.overlapped.hEvent, 0), WAIT_TIMEOUT);
  udpSendToPeer(link.socketFd, 5353, "0123456789", 10);
  CHECK_EQ_U(finishRead(link.device, &read, 2000, &bytes), 0);
  CHECK_EQ_U(bytes, 38);
  CHECK_EQ_U(read.overlapped.Internal, 0);
  CHECK_EQ_U(read.overlapped.InternalHigh, 38);
  closeEvent(&read);
  /* No event: the file handle is signalled on completion. */
  OVERLAPPED bare;
  memset(&bare, 0, sizeof bare);
  uint8_t buffer[READ_BUFFER];
  CHECK(!api->ReadFile(link.device, buffer, sizeof buffer, NULL, &bare), "read completed inline");
  CHECK_EQ_U(api->GetLastError(), ERROR_IO_PENDING);
  udpSendToPeer(link.socketFd, 5353, "abc", 3);
  CHECK(api->GetOverlappedResult(link.device, &bare, &bytes, TRUE), "GetOverlappedResult failed: %u",
        api->GetLastError());
  CHECK_EQ_U(bytes, 31);
  CHECK(memcmp(buffer + 28, "abc", 3) == 0, "wrong payload");
  closePrimedLink(&link);
}

/* Several reads may be outstanding (B.5: an IRP queue); they complete in posting order. */
void outstandingReadsCompleteInOrder(void) {
  PrimedLink link = openPrimedLink(u"Outstanding");
  static PostedRead reads[8];
  for (int i = 0; i < 8; ++i) postRead(link.device, &reads[i], sizeof reads[i].buffer);
  for (uint32_t i = 0; i < 8; ++i) udpSendToPeer(link.socketFd, 5353, &i, sizeof i);
  for (uint32_t i = 0; i < 8; ++i) {
    DWORD bytes = 0;
    CHECK_EQ_U(finishRead(link.device, &reads[i], 2000, &bytes), 0);
    uint32_t number;
    memcpy(&number, reads[i].buffer + 28, sizeof number);
    CHECK_EQ_U(number, i);
    closeEvent(&reads[i]);
  }
  closePrimedLink(&link);
}
