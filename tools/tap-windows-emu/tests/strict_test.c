/* Strict mode: call sequences Windows leaves undefined abort with a message naming the call;
 * suspicious ones are recorded. */
#include <string.h>
#include <unistd.h>

#include "cases.h"
#include "harness.h"

static TestAdapter strictAdapter;

static void reusePendingOverlapped(void) {
  TapEmuSetStrictMode(true);
  HANDLE device = openDeviceOrFail(strictAdapter.guid);
  static PostedRead read;
  postRead(device, &read, sizeof read.buffer);
  api->ReadFile(device, read.buffer, sizeof read.buffer, NULL, &read.overlapped);
}

/* The I/O manager owns an OVERLAPPED until its request completes; reusing it corrupts both. */
void strictAbortsOnReusedPendingOverlapped(void) {
  strictAdapter = createTestAdapter(u"StrictReuse");
  CHECK(abortsWithMessage(reusePendingOverlapped, "ReadFile: OVERLAPPED"),
        "reuse of a pending OVERLAPPED did not abort");
}

static void readWithoutOverlapped(void) {
  TapEmuSetStrictMode(true);
  HANDLE device = openDeviceOrFail(strictAdapter.guid);
  uint8_t buffer[READ_BUFFER];
  DWORD bytes;
  api->ReadFile(device, buffer, sizeof buffer, &bytes, NULL);
}

/* ReadFile without an OVERLAPPED on a FILE_FLAG_OVERLAPPED handle: undefined on Windows. Out of
 * strict mode the emulator refuses it with ERROR_INVALID_PARAMETER. */
void strictAbortsOnNullOverlapped(void) {
  strictAdapter = createTestAdapter(u"StrictNull");
  CHECK(abortsWithMessage(readWithoutOverlapped, "ReadFile: NULL OVERLAPPED"),
        "a NULL OVERLAPPED did not abort");
  TapEmuSetStrictMode(false);
  HANDLE device = openDeviceOrFail(strictAdapter.guid);
  uint8_t buffer[READ_BUFFER];
  DWORD bytes;
  CHECK(!api->ReadFile(device, buffer, sizeof buffer, &bytes, NULL), "accepted");
  CHECK_EQ_U(api->GetLastError(), ERROR_INVALID_PARAMETER);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* B.5: a handle without FILE_FLAG_OVERLAPPED blocks in ReadFile until a packet comes (strict
 * mode records the open as a warning), and a read buffer below MTU + 18 is recorded too. */
void strictRecordsSynchronousHandleAndSmallBuffer(void) {
  TestAdapter adapter = createTestAdapter(u"StrictSync");
  TapEmuSetStrictMode(true);
  uint32_t before = TapEmuStrictViolationCount();
  WCHAR path[64];
  devicePath(adapter.guid, path);
  HANDLE device = api->CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                                   FILE_ATTRIBUTE_SYSTEM, NULL);
  CHECK(device != INVALID_HANDLE_VALUE, "open failed: %u", api->GetLastError());
  CHECK_EQ_U(TapEmuStrictViolationCount(), before + 1);
  enterTunMode(device);
  int socketFd = udpSocket(4000);
  udpSendToPeer(socketFd, 5353, "sync", 4);
  uint8_t buffer[READ_BUFFER];
  DWORD bytes = 0;
  CHECK(api->ReadFile(device, buffer, sizeof buffer, &bytes, NULL), "synchronous read failed: %u",
        api->GetLastError());
  CHECK_EQ_U(bytes, 32);
  CHECK(memcmp(buffer + 28, "sync", 4) == 0, "wrong payload");
  udpSendToPeer(socketFd, 5353, "tiny", 4);
  CHECK(api->ReadFile(device, buffer, 100, &bytes, NULL), "small read failed: %u",
        api->GetLastError());
  CHECK_EQ_U(TapEmuStrictViolationCount(), before + 2);
  char text[256];
  TapEmuLastStrictViolation(text, sizeof text);
  CHECK(strstr(text, "MTU + 18") != NULL, "violation text: %s", text);
  close(socketFd);
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}
