/* Ending I/O: CancelIoEx, CloseHandle with reads pending, and the adapter going away (B.2, B.5). */
#include <string.h>

#include "cases.h"
#include "harness.h"

static void expectAborted(HANDLE device, PostedRead *read) {
  DWORD bytes = 99;
  CHECK_EQ_U(finishRead(device, read, 2000, &bytes), ERROR_OPERATION_ABORTED);
  CHECK_EQ_U(bytes, 0);
  CHECK_EQ_U(read->overlapped.Internal, 0xC0000120); /* STATUS_CANCELLED */
}

/* CancelIoEx (ioapiset.h): with an OVERLAPPED it cancels that request, with NULL all of the
 * handle's; each completes with ERROR_OPERATION_ABORTED; with nothing to cancel it fails with
 * ERROR_NOT_FOUND. */
void cancelIoExAbortsPendingReads(void) {
  TestAdapter adapter = createTestAdapter(u"Cancel");
  HANDLE device = openDeviceOrFail(adapter.guid);
  PostedRead first, second, third;
  postRead(device, &first, sizeof first.buffer);
  postRead(device, &second, sizeof second.buffer);
  postRead(device, &third, sizeof third.buffer);
  CHECK(api->CancelIoEx(device, &second.overlapped), "CancelIoEx failed: %u", api->GetLastError());
  expectAborted(device, &second);
  DWORD bytes;
  CHECK(!api->GetOverlappedResult(device, &first.overlapped, &bytes, FALSE), "first completed");
  CHECK_EQ_U(api->GetLastError(), ERROR_IO_INCOMPLETE);
  CHECK(api->CancelIoEx(device, NULL), "CancelIoEx(NULL) failed: %u", api->GetLastError());
  expectAborted(device, &first);
  expectAborted(device, &third);
  CHECK(!api->CancelIoEx(device, NULL), "nothing left to cancel, yet it succeeded");
  CHECK_EQ_U(api->GetLastError(), ERROR_NOT_FOUND);
  closeEvent(&first);
  closeEvent(&second);
  closeEvent(&third);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.2: closing the handle (IRP_MJ_CLEANUP) cancels its pending reads: they complete with
 * ERROR_OPERATION_ABORTED and their events are set. The emulator counts it, and strict mode
 * records it, since the buffers had to outlive the handle. */
void closeCompletesPendingReads(void) {
  TapEmuSetStrictMode(true);
  TestAdapter adapter = createTestAdapter(u"ClosePending");
  HANDLE device = openDeviceOrFail(adapter.guid);
  PostedRead read;
  postRead(device, &read, sizeof read.buffer);
  uint32_t warningsBefore = TapEmuStrictViolationCount();
  CHECK(api->CloseHandle(device), "CloseHandle failed");
  /* hEvent is set, so GetOverlappedResult does not need the (now closed) handle. */
  expectAborted(device, &read);
  CHECK_EQ_U(countersOf(adapter.guid).closedWithPendingIo, 1);
  CHECK_EQ_U(TapEmuStrictViolationCount(), warningsBefore + 1);
  char text[256];
  TapEmuLastStrictViolation(text, sizeof text);
  CHECK(strstr(text, "CloseHandle") != NULL, "violation text: %s", text);
  uint8_t buffer[READ_BUFFER];
  OVERLAPPED overlapped;
  memset(&overlapped, 0, sizeof overlapped);
  CHECK(!api->ReadFile(device, buffer, sizeof buffer, NULL, &overlapped), "read on closed handle");
  CHECK_EQ_U(api->GetLastError(), ERROR_INVALID_HANDLE);
  closeEvent(&read);
}

/* B.5: removing the adapter aborts the pending read; later reads, writes and IOCTLs on the old
 * handle fail with ERROR_OPERATION_ABORTED; the device is gone (ERROR_FILE_NOT_FOUND). */
void removalAbortsPendingAndLaterIo(void) {
  TestAdapter adapter = createTestAdapter(u"Removal");
  HANDLE device = openDeviceOrFail(adapter.guid);
  enterTunMode(device);
  PostedRead read;
  postRead(device, &read, sizeof read.buffer);
  CHECK_EQ_U(TapEmuDeleteAdapter(adapter.guid), 0);
  expectAborted(device, &read);
  closeEvent(&read);
  uint8_t buffer[READ_BUFFER];
  OVERLAPPED overlapped;
  memset(&overlapped, 0, sizeof overlapped);
  CHECK(!api->ReadFile(device, buffer, sizeof buffer, NULL, &overlapped), "read after removal");
  CHECK_EQ_U(api->GetLastError(), ERROR_OPERATION_ABORTED);
  CHECK_EQ_U(writePacket(device, buffer, 40), ERROR_OPERATION_ABORTED);
  CHECK_EQ_U(deviceControl(device, TAP_WIN_IOCTL_GET_MTU, buffer, 0, 4, NULL),
             ERROR_OPERATION_ABORTED);
  DWORD error = 0;
  CHECK(openDevice(adapter.guid, &error) == INVALID_HANDLE_VALUE, "removed device opened");
  CHECK_EQ_U(error, ERROR_FILE_NOT_FOUND);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.1/B.5: disabling the adapter under an open handle aborts its I/O like removal; once
 * enabled again the adapter opens afresh. */
void disableAbortsPendingThenReenableOpens(void) {
  TestAdapter adapter = createTestAdapter(u"Disable");
  HANDLE device = openDeviceOrFail(adapter.guid);
  PostedRead read;
  postRead(device, &read, sizeof read.buffer);
  CHECK_EQ_U(TapEmuSetAdapterEnabled(adapter.guid, false), 0);
  expectAborted(device, &read);
  closeEvent(&read);
  DWORD error = 0;
  CHECK(openDevice(adapter.guid, &error) == INVALID_HANDLE_VALUE, "disabled device opened");
  CHECK_EQ_U(error, ERROR_FILE_NOT_FOUND);
  CHECK_EQ_U(TapEmuSetAdapterEnabled(adapter.guid, true), 0);
  HANDLE fresh = openDeviceOrFail(adapter.guid);
  CHECK(api->CloseHandle(device), "CloseHandle(old) failed");
  CHECK(api->CloseHandle(fresh), "CloseHandle(new) failed");
}
