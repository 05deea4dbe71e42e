#include "tap_device_probe.h"

#include "tap_text.h"

namespace magma::tap {
namespace {

// The IOCTL answers read here, sized as tap-windows.h and reference B.3 give them.
static_assert(sizeof(TapWinVersion) == 3 * sizeof(DWORD), "GET_VERSION: 3 x ULONG");
static_assert(sizeof(uint32_t) == sizeof(DWORD), "GET_MTU: 1 x ULONG");
static_assert(sizeof(TapDeviceProbe::mac) == 6, "GET_MAC: 6 bytes");

}  // namespace

// Such a handle needs an OVERLAPPED with an event for every request (ioapiset.h: without one the
// call may return before the output is written); the driver completes these at once, so the wait
// does not block.
uint32_t TapControl(const TapWin32Api& api, HANDLE device, HANDLE event, DWORD code, void* buffer,
                    DWORD size) {
  OVERLAPPED overlapped{};
  overlapped.hEvent = event;
  DWORD returned = 0;
  if (api.DeviceIoControl(device, code, buffer, size, buffer, size, &returned, &overlapped)) return 0;
  DWORD error = api.GetLastError();
  if (error != static_cast<DWORD>(ERROR_IO_PENDING)) return error;
  return api.GetOverlappedResult(device, &overlapped, &returned, TRUE) ? 0 : api.GetLastError();
}

std::u16string TapDevicePath(const std::string& guid) {
  return Utf16OfAscii(std::string(TAP_WIN_USERMODE_DEVICE_DIR) + guid + TAP_WIN_SUFFIX);
}

HANDLE OpenTapDevice(const TapWin32Api& api, const std::string& guid, uint32_t& error) {
  std::u16string path = TapDevicePath(guid);
  HANDLE device = api.CreateFileW(Wide(path), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                  OPEN_EXISTING, FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED,
                                  nullptr);
  error = device == INVALID_HANDLE_VALUE ? api.GetLastError() : 0;
  return device;
}

TapDeviceProbe ProbeTapDevice(const TapWin32Api& api, const std::string& guid) {
  TapDeviceProbe probe;
  HANDLE device = OpenTapDevice(api, guid, probe.open_error);
  if (device == INVALID_HANDLE_VALUE) return probe;
  // Manual reset, not signalled: the form GetOverlappedResult expects (minwinbase.h).
  HANDLE event = api.CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (event != nullptr) {
    // GET_VERSION needs 12 bytes (B.3).
    probe.has_version = TapControl(api, device, event, TAP_WIN_IOCTL_GET_VERSION, &probe.version,
                                   sizeof probe.version) == 0;
    // One ULONG (B.3).
    probe.has_mtu = TapControl(api, device, event, TAP_WIN_IOCTL_GET_MTU, &probe.mtu, sizeof probe.mtu) == 0;
    // GET_MAC: 6 bytes; fewer is ERROR_INSUFFICIENT_BUFFER (B.3).
    probe.has_mac = TapControl(api, device, event, TAP_WIN_IOCTL_GET_MAC, probe.mac, sizeof probe.mac) == 0;
    api.CloseHandle(event);
  }
  api.CloseHandle(device);
  return probe;
}

}  // namespace magma::tap
