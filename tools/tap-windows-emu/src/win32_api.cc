// The Win32 calls of TapWin32Api over the emulated objects: argument checks and the last-error
// convention here, the device's behaviour in device.cc, the registry's in registry.cc.
#include <string>
#include <thread>

#include "adapters.h"
#include "device.h"
#include "event.h"
#include "handle_table.h"
#include "last_error.h"  // tools/wintun-emu: per-thread last error, mirrored into errno
#include "overlapped.h"
#include "registry.h"
#include "strict_mode.h"

namespace tap_emu {

namespace {

BOOL fail(DWORD code) {
  wintun_emu::setLastError(code);
  return FALSE;
}

// "\\.\Global\{GUID}.tap" (or "\\.\{GUID}.tap", which falls through to the global namespace);
// the GUID, or "" for any other path. ".tapdiag" is not ours: EnableTapDiag is off by default.
std::string guidFromDevicePath(const WCHAR *path) {
  std::string text;
  for (size_t i = 0; path[i] != 0 && i < 260; ++i) {
    text.push_back(path[i] < 0x80 ? static_cast<char>(path[i]) : '?');
  }
  for (char &c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  const std::string global = "\\\\.\\GLOBAL\\";
  const std::string local = "\\\\.\\";
  const std::string suffix = ".TAP";
  size_t start = text.compare(0, global.size(), global) == 0  ? global.size()
                 : text.compare(0, local.size(), local) == 0 ? local.size()
                                                              : std::string::npos;
  if (start == std::string::npos || text.size() != start + 38 + suffix.size() ||
      text.compare(start + 38, suffix.size(), suffix) != 0 || text[start] != '{' ||
      text[start + 37] != '}') {
    return "";
  }
  return text.substr(start, 38);
}

std::shared_ptr<OpenDevice> deviceOf(HANDLE handle) {
  return lookupHandleOf<OpenDevice>(handle, KernelObject::Kind::Device);
}

// The request's event: hEvent with its low bit (skip the completion port) cleared, referenced now.
bool requestFor(OVERLAPPED *overlapped, OverlappedRequest *request) {
  request->overlapped = overlapped;
  HANDLE event = reinterpret_cast<HANDLE>(reinterpret_cast<uintptr_t>(overlapped->hEvent) &
                                          ~static_cast<uintptr_t>(1));
  if (event == nullptr) return true;
  request->event = lookupHandleOf<Event>(event, KernelObject::Kind::Event);
  return request->event != nullptr;
}

// Waits until `overlapped` completes, on its event or else the file's.
void waitForCompletion(OVERLAPPED *overlapped, Event *event) {
  while (overlappedStatus(overlapped) == kStatusPending) {
    if (Event::waitFor(&event, 1, false, 100) == WAIT_OBJECT_0 &&
        overlappedStatus(overlapped) == kStatusPending) {
      std::this_thread::yield();  // a shared manual-reset event signalled by another request
    }
  }
}

BOOL resultOf(OVERLAPPED *overlapped, LPDWORD bytes) {
  uint32_t status = overlappedStatus(overlapped);
  if (bytes != nullptr) *bytes = static_cast<DWORD>(overlappedBytes(overlapped));
  return ntSuccess(status) ? TRUE : fail(win32FromNtStatus(status));
}

enum class Direction { Read, Write };

BOOL transfer(Direction direction, HANDLE file, void *buffer, DWORD length, LPDWORD transferred,
              LPOVERLAPPED overlapped) {
  const char *call = direction == Direction::Read ? "ReadFile" : "WriteFile";
  std::shared_ptr<OpenDevice> device = deviceOf(file);
  if (device == nullptr) return fail(ERROR_INVALID_HANDLE);
  if (buffer == nullptr) return fail(ERROR_INVALID_PARAMETER);
  OVERLAPPED own{};
  bool synchronous = !device->overlapped();
  if (overlapped == nullptr) {
    if (!synchronous) {
      strictViolation(call, "NULL OVERLAPPED on a handle opened with FILE_FLAG_OVERLAPPED: the "
                            "result is undefined (B.5)");
      return fail(ERROR_INVALID_PARAMETER);
    }
    overlapped = &own;
  }
  if (device->isPending(overlapped)) {
    strictViolation(call, "OVERLAPPED %p is still in use by a pending request",
                    static_cast<void *>(overlapped));
    return fail(ERROR_INVALID_PARAMETER);
  }
  if (direction == Direction::Read && length < device->mtu() + 18) {
    strictWarning(call, "a %u-byte buffer is below MTU + 18 = %u: longer packets are discarded "
                        "with ERROR_MORE_DATA (B.5)", length, device->mtu() + 18);
  }
  OverlappedRequest request;
  if (!requestFor(overlapped, &request)) return fail(ERROR_INVALID_HANDLE);
  // ReadFile/WriteFile (fileapi.h): "the system sets the event to a nonsignaled state" when the
  // operation begins, so a program may reuse one event without resetting it.
  if (request.event != nullptr) request.event->reset();
  if (transferred != nullptr) *transferred = 0;
  uint8_t *bytes = static_cast<uint8_t *>(buffer);
  DWORD status = direction == Direction::Read ? device->read(bytes, length, request)
                                              : device->write(bytes, length, request);
  if (status != ERROR_IO_PENDING) return fail(status);
  if (!synchronous) return fail(ERROR_IO_PENDING);
  // A handle without FILE_FLAG_OVERLAPPED waits in the call, for a read until a packet comes.
  waitForCompletion(overlapped, request.event != nullptr ? request.event.get() : device->waitableEvent());
  return resultOf(overlapped, transferred);
}

HANDLE TAP_WINAPI emuCreateFileW(LPCWSTR fileName, DWORD desiredAccess, DWORD, LPSECURITY_ATTRIBUTES,
                                 DWORD, DWORD flagsAndAttributes, HANDLE) {
  if (fileName == nullptr) {
    wintun_emu::setLastError(ERROR_INVALID_PARAMETER);
    return INVALID_HANDLE_VALUE;
  }
  std::string guid = guidFromDevicePath(fileName);
  std::shared_ptr<Adapter> adapter = guid.empty() ? nullptr : findAdapter(guid);
  if (adapter == nullptr) {
    wintun_emu::setLastError(ERROR_FILE_NOT_FOUND);
    return INVALID_HANDLE_VALUE;
  }
  bool overlapped = (flagsAndAttributes & FILE_FLAG_OVERLAPPED) != 0;
  std::shared_ptr<OpenDevice> device;
  {
    std::lock_guard<std::mutex> lock(adapter->mutex);
    // B.1: the device symlink exists only while the miniport runs (not disabled, not removed).
    if (!adapter->present || !adapter->enabled || adapter->fd < 0) {
      wintun_emu::setLastError(ERROR_FILE_NOT_FOUND);
      return INVALID_HANDLE_VALUE;
    }
    // B.2: exclusive open; the driver answers STATUS_UNSUCCESSFUL.
    if (!adapter->holder.expired()) {
      wintun_emu::setLastError(ERROR_GEN_FAILURE);
      return INVALID_HANDLE_VALUE;
    }
    device = std::make_shared<OpenDevice>(adapter, adapter->fd, desiredAccess, overlapped);
    if (!device->start()) {
      wintun_emu::setLastError(ERROR_NOT_ENOUGH_MEMORY);
      return INVALID_HANDLE_VALUE;
    }
    adapter->holder = device;
  }
  if (!overlapped) {
    strictWarning("CreateFileW", "%s opened without FILE_FLAG_OVERLAPPED: every read blocks until "
                                 "a packet arrives (B.5)", adapter->guid.c_str());
  }
  return insertHandle(device);
}

BOOL TAP_WINAPI emuDeviceIoControl(HANDLE device, DWORD code, LPVOID in, DWORD inLength, LPVOID out,
                                   DWORD outLength, LPDWORD returned, LPOVERLAPPED overlapped) {
  std::shared_ptr<OpenDevice> opened = deviceOf(device);
  if (opened == nullptr) return fail(ERROR_INVALID_HANDLE);
  if (returned == nullptr && overlapped == nullptr) {
    // Windows writes the byte count through it: without an OVERLAPPED it must be there.
    strictViolation("DeviceIoControl", "lpBytesReturned is NULL and so is lpOverlapped");
    return fail(ERROR_INVALID_PARAMETER);
  }
  OverlappedRequest request;
  if (overlapped != nullptr && !requestFor(overlapped, &request)) return fail(ERROR_INVALID_HANDLE);
  // As for ReadFile: the I/O manager resets the request's event when the operation begins.
  if (request.event != nullptr) request.event->reset();
  DWORD information = 0;
  DWORD status = opened->control(code, static_cast<const uint8_t *>(in), inLength,
                                 static_cast<uint8_t *>(out), outLength, &information);
  if (returned != nullptr) *returned = information;
  if (status != ERROR_SUCCESS) return fail(status);
  // Completed in the call: the OVERLAPPED, if any, reports it as well (and its event is set).
  if (overlapped != nullptr) {
    markPending(overlapped);
    completeRequest(request, *opened->waitableEvent(), kStatusSuccess, information);
  }
  return TRUE;
}

BOOL TAP_WINAPI emuReadFile(HANDLE file, LPVOID buffer, DWORD length, LPDWORD read,
                            LPOVERLAPPED overlapped) {
  return transfer(Direction::Read, file, buffer, length, read, overlapped);
}

BOOL TAP_WINAPI emuWriteFile(HANDLE file, LPCVOID buffer, DWORD length, LPDWORD written,
                             LPOVERLAPPED overlapped) {
  return transfer(Direction::Write, file, const_cast<void *>(buffer), length, written, overlapped);
}

BOOL TAP_WINAPI emuGetOverlappedResult(HANDLE file, LPOVERLAPPED overlapped, LPDWORD bytes,
                                       BOOL wait) {
  if (overlapped == nullptr) return fail(ERROR_INVALID_PARAMETER);
  if (overlappedStatus(overlapped) == kStatusPending) {
    if (!wait) return fail(ERROR_IO_INCOMPLETE);
    // As kernel32 does: wait on hEvent, or on the file handle when there is none (then `file`
    // must be valid; with an event it is not even looked at).
    OverlappedRequest request;
    if (!requestFor(overlapped, &request)) return fail(ERROR_INVALID_HANDLE);
    std::shared_ptr<KernelObject> object;
    Event *event = request.event.get();
    if (event == nullptr) {
      object = lookupHandle(file);
      event = object != nullptr ? object->waitableEvent() : nullptr;
      if (event == nullptr) return fail(ERROR_INVALID_HANDLE);
    }
    waitForCompletion(overlapped, event);
  }
  return resultOf(overlapped, bytes);
}

BOOL TAP_WINAPI emuCancelIoEx(HANDLE file, LPOVERLAPPED overlapped) {
  std::shared_ptr<OpenDevice> device = deviceOf(file);
  if (device == nullptr) return fail(ERROR_INVALID_HANDLE);
  DWORD status = device->cancel(overlapped);
  return status == ERROR_SUCCESS ? TRUE : fail(status);
}

BOOL TAP_WINAPI emuCloseHandle(HANDLE object) {
  std::shared_ptr<KernelObject> closed = removeHandle(object);
  if (closed == nullptr) return fail(ERROR_INVALID_HANDLE);
  if (closed->kind() == KernelObject::Kind::Device) static_cast<OpenDevice &>(*closed).close();
  return TRUE;
}

HANDLE TAP_WINAPI emuCreateEventW(LPSECURITY_ATTRIBUTES, BOOL manualReset, BOOL initialState,
                                  LPCWSTR name) {
  if (name != nullptr) {
    wintun_emu::setLastError(ERROR_NOT_SUPPORTED);  // named events are not emulated
    return nullptr;
  }
  return insertHandle(std::make_shared<Event>(manualReset != FALSE, initialState != FALSE));
}

BOOL TAP_WINAPI emuSetEvent(HANDLE handle) {
  auto event = lookupHandleOf<Event>(handle, KernelObject::Kind::Event);
  if (event == nullptr) return fail(ERROR_INVALID_HANDLE);
  event->set();
  return TRUE;
}

BOOL TAP_WINAPI emuResetEvent(HANDLE handle) {
  auto event = lookupHandleOf<Event>(handle, KernelObject::Kind::Event);
  if (event == nullptr) return fail(ERROR_INVALID_HANDLE);
  event->reset();
  return TRUE;
}

DWORD TAP_WINAPI emuWaitForMultipleObjects(DWORD count, const HANDLE *handles, BOOL waitAll,
                                           DWORD milliseconds) {
  if (count == 0 || count > MAXIMUM_WAIT_OBJECTS || handles == nullptr) {
    wintun_emu::setLastError(ERROR_INVALID_PARAMETER);
    return WAIT_FAILED;
  }
  std::shared_ptr<KernelObject> objects[MAXIMUM_WAIT_OBJECTS];  // kept alive for the wait
  Event *events[MAXIMUM_WAIT_OBJECTS];
  for (DWORD i = 0; i < count; ++i) {
    objects[i] = lookupHandle(handles[i]);
    events[i] = objects[i] != nullptr ? objects[i]->waitableEvent() : nullptr;
    if (events[i] == nullptr) {
      wintun_emu::setLastError(ERROR_INVALID_HANDLE);
      return WAIT_FAILED;
    }
  }
  return Event::waitFor(events, count, waitAll != FALSE, milliseconds);
}

DWORD TAP_WINAPI emuWaitForSingleObject(HANDLE handle, DWORD milliseconds) {
  return emuWaitForMultipleObjects(1, &handle, FALSE, milliseconds);
}

DWORD TAP_WINAPI emuGetLastError(void) { return wintun_emu::lastError(); }

LSTATUS TAP_WINAPI emuRegOpenKeyExW(HKEY key, LPCWSTR subKey, DWORD, REGSAM, PHKEY result) {
  return registryOpenKey(key, subKey, result);
}

LSTATUS TAP_WINAPI emuRegEnumKeyExW(HKEY key, DWORD index, LPWSTR name, LPDWORD nameLength,
                                    LPDWORD reserved, LPWSTR className, LPDWORD classLength,
                                    PFILETIME lastWriteTime) {
  if (reserved != nullptr) return ERROR_INVALID_PARAMETER;
  LSTATUS status = registryEnumKey(key, index, name, nameLength);
  if (status == ERROR_SUCCESS) {
    if (className != nullptr && classLength != nullptr && *classLength > 0) {
      className[0] = 0;  // no class names here
      *classLength = 0;
    }
    if (lastWriteTime != nullptr) *lastWriteTime = FILETIME{0, 0};
  }
  return status;
}

LSTATUS TAP_WINAPI emuRegQueryValueExW(HKEY key, LPCWSTR valueName, LPDWORD reserved, LPDWORD type,
                                       LPBYTE data, LPDWORD dataSize) {
  if (reserved != nullptr) return ERROR_INVALID_PARAMETER;
  return registryQueryValue(key, valueName, type, data, dataSize);
}

LSTATUS TAP_WINAPI emuRegCloseKey(HKEY key) { return registryCloseKey(key); }

const TapWin32Api kEmulatedApi = {
    emuCreateFileW,        emuDeviceIoControl,        emuReadFile,           emuWriteFile,
    emuGetOverlappedResult, emuCancelIoEx,            emuCloseHandle,        emuCreateEventW,
    emuSetEvent,           emuResetEvent,             emuWaitForSingleObject, emuWaitForMultipleObjects,
    emuGetLastError,       emuRegOpenKeyExW,          emuRegEnumKeyExW,      emuRegQueryValueExW,
    emuRegCloseKey,
};

}  // namespace

}  // namespace tap_emu

extern "C" __attribute__((visibility("default"))) const TapWin32Api *TapEmuWin32Api(void) {
  return &tap_emu::kEmulatedApi;
}
