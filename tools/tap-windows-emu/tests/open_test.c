/* Opening the device (B.2), phantom adapters (B.1), and handle and event hygiene. */
#include <string.h>

#include "cases.h"
#include "harness.h"

/* B.2: one handle per adapter; a second open fails with ERROR_GEN_FAILURE (STATUS_UNSUCCESSFUL)
 * until the first is closed. */
void openIsExclusive(void) {
  TestAdapter adapter = createTestAdapter(u"Exclusive");
  HANDLE first = openDeviceOrFail(adapter.guid);
  DWORD error = 0;
  CHECK(openDevice(adapter.guid, &error) == INVALID_HANDLE_VALUE, "second open succeeded");
  CHECK_EQ_U(error, ERROR_GEN_FAILURE);
  CHECK(api->CloseHandle(first), "CloseHandle failed");
  HANDLE again = openDeviceOrFail(adapter.guid);
  CHECK(api->CloseHandle(again), "CloseHandle failed");
}

/* B.1 caveats: a disabled adapter has no device symlink, so CreateFileW fails with
 * ERROR_FILE_NOT_FOUND; so do unknown GUIDs and the .tapdiag device (EnableTapDiag off, B.2). */
void phantomAdapterOpenFailsWithFileNotFound(void) {
  TestAdapter adapter = createTestAdapter(u"Phantom");
  CHECK_EQ_U(TapEmuSetAdapterEnabled(adapter.guid, false), 0);
  char ifname[16];
  CHECK(!TapEmuGetInterfaceName(adapter.guid, ifname), "a disabled adapter kept its interface");
  DWORD error = 0;
  CHECK(openDevice(adapter.guid, &error) == INVALID_HANDLE_VALUE, "phantom opened");
  CHECK_EQ_U(error, ERROR_FILE_NOT_FOUND);
  CHECK(openDevice("{00000000-0000-4000-8000-000000000000}", &error) == INVALID_HANDLE_VALUE,
        "unknown GUID opened");
  CHECK_EQ_U(error, ERROR_FILE_NOT_FOUND);
  CHECK_EQ_U(TapEmuSetAdapterEnabled(adapter.guid, true), 0);
  WCHAR path[64];
  devicePath(adapter.guid, path);
  size_t end = 0;
  while (path[end] != 0) ++end;
  const char16_t *diag = u"diag";
  for (size_t i = 0; i <= 4; ++i) path[end + i] = diag[i];
  CHECK(api->CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                         FILE_FLAG_OVERLAPPED, NULL) == INVALID_HANDLE_VALUE,
        ".tapdiag opened");
  CHECK_EQ_U(api->GetLastError(), ERROR_FILE_NOT_FOUND);
  HANDLE device = openDeviceOrFail(adapter.guid); /* enabled again: the device is back */
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* Handles are checked on every use (Win32: ERROR_INVALID_HANDLE), never dereferenced blindly. */
void badHandlesGiveInvalidHandle(void) {
  TestAdapter adapter = createTestAdapter(u"Handles");
  HANDLE device = openDeviceOrFail(adapter.guid);
  HANDLE event = api->CreateEventW(NULL, TRUE, FALSE, NULL);
  uint8_t buffer[READ_BUFFER];
  OVERLAPPED overlapped;
  memset(&overlapped, 0, sizeof overlapped);
  HANDLE made_up = (HANDLE)(uintptr_t)0x123450;
  HANDLE bad[] = {NULL, INVALID_HANDLE_VALUE, made_up, event};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    CHECK(!api->ReadFile(bad[i], buffer, sizeof buffer, NULL, &overlapped), "ReadFile on bad handle");
    CHECK_EQ_U(api->GetLastError(), ERROR_INVALID_HANDLE);
    DWORD returned;
    CHECK(!api->DeviceIoControl(bad[i], TAP_WIN_IOCTL_GET_MTU, NULL, 0, buffer, 4, &returned, NULL),
          "DeviceIoControl on bad handle");
    CHECK_EQ_U(api->GetLastError(), ERROR_INVALID_HANDLE);
  }
  CHECK_EQ_U(api->WaitForSingleObject(made_up, 0), WAIT_FAILED);
  CHECK_EQ_U(api->GetLastError(), ERROR_INVALID_HANDLE);
  CHECK(!api->SetEvent(device), "SetEvent on a device");
  CHECK(api->CloseHandle(device), "CloseHandle failed");
  CHECK(!api->CloseHandle(device), "second CloseHandle succeeded");
  CHECK_EQ_U(api->GetLastError(), ERROR_INVALID_HANDLE);
  overlapped.hEvent = (HANDLE)(uintptr_t)0x777000; /* not an event */
  device = openDeviceOrFail(adapter.guid);
  CHECK(!api->ReadFile(device, buffer, sizeof buffer, NULL, &overlapped), "read with bad hEvent");
  CHECK_EQ_U(api->GetLastError(), ERROR_INVALID_HANDLE);
  CHECK(api->CloseHandle(event), "CloseHandle(event) failed");
  CHECK(api->CloseHandle(device), "CloseHandle failed");
}

/* fileapi.h: the handle's access rights apply; without GENERIC_WRITE a write is
 * ERROR_ACCESS_DENIED, without GENERIC_READ a read. */
void handleAccessRightsApply(void) {
  TestAdapter adapter = createTestAdapter(u"Access");
  WCHAR path[64];
  devicePath(adapter.guid, path);
  HANDLE readOnly = api->CreateFileW(path, GENERIC_READ, 0, NULL, OPEN_EXISTING,
                                     FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED, NULL);
  CHECK(readOnly != INVALID_HANDLE_VALUE, "open failed: %u", api->GetLastError());
  uint8_t frame[64] = {0};
  CHECK_EQ_U(writePacket(readOnly, frame, sizeof frame), ERROR_ACCESS_DENIED);
  CHECK(api->CloseHandle(readOnly), "CloseHandle failed");
  HANDLE writeOnly = api->CreateFileW(path, GENERIC_WRITE, 0, NULL, OPEN_EXISTING,
                                      FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED, NULL);
  CHECK(writeOnly != INVALID_HANDLE_VALUE, "open failed: %u", api->GetLastError());
  OVERLAPPED overlapped;
  memset(&overlapped, 0, sizeof overlapped);
  uint8_t buffer[READ_BUFFER];
  CHECK(!api->ReadFile(writeOnly, buffer, sizeof buffer, NULL, &overlapped), "read allowed");
  CHECK_EQ_U(api->GetLastError(), ERROR_ACCESS_DENIED);
  CHECK(api->CloseHandle(writeOnly), "CloseHandle failed");
}

/* Event semantics (synchapi.h): manual-reset stays set, auto-reset releases one wait; with
 * several signalled the lowest index wins; bWaitAll needs all; timeouts give WAIT_TIMEOUT. */
void eventsSignalAndWait(void) {
  HANDLE manual = api->CreateEventW(NULL, TRUE, FALSE, NULL);
  HANDLE automatic = api->CreateEventW(NULL, FALSE, TRUE, NULL);
  CHECK(manual != NULL && automatic != NULL, "CreateEventW failed");
  uint64_t started = nowMs();
  CHECK_EQ_U(api->WaitForSingleObject(manual, 50), WAIT_TIMEOUT);
  CHECK(nowMs() - started >= 45, "timed out early");
  CHECK_EQ_U(api->WaitForSingleObject(automatic, 0), WAIT_OBJECT_0);
  CHECK_EQ_U(api->WaitForSingleObject(automatic, 0), WAIT_TIMEOUT); /* consumed */
  CHECK(api->SetEvent(manual), "SetEvent failed");
  CHECK_EQ_U(api->WaitForSingleObject(manual, 0), WAIT_OBJECT_0);
  CHECK_EQ_U(api->WaitForSingleObject(manual, 0), WAIT_OBJECT_0); /* still set */
  HANDLE both[2] = {automatic, manual};
  CHECK_EQ_U(api->WaitForMultipleObjects(2, both, FALSE, 0), WAIT_OBJECT_0 + 1);
  CHECK_EQ_U(api->WaitForMultipleObjects(2, both, TRUE, 10), WAIT_TIMEOUT);
  CHECK(api->SetEvent(automatic), "SetEvent failed");
  CHECK_EQ_U(api->WaitForMultipleObjects(2, both, FALSE, 0), WAIT_OBJECT_0);
  CHECK(api->SetEvent(automatic), "SetEvent failed");
  CHECK_EQ_U(api->WaitForMultipleObjects(2, both, TRUE, 0), WAIT_OBJECT_0);
  CHECK_EQ_U(api->WaitForSingleObject(automatic, 0), WAIT_TIMEOUT);
  CHECK(api->ResetEvent(manual), "ResetEvent failed");
  CHECK_EQ_U(api->WaitForSingleObject(manual, 0), WAIT_TIMEOUT);
  CHECK_EQ_U(api->WaitForMultipleObjects(0, both, FALSE, 0), WAIT_FAILED);
  CHECK_EQ_U(api->GetLastError(), ERROR_INVALID_PARAMETER);
  CHECK(api->CloseHandle(manual) && api->CloseHandle(automatic), "CloseHandle failed");
}
