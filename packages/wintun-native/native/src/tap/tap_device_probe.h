// What opening an adapter's device says about it (reference B.2, B.3): whether it is there and
// free, and if so its driver version, MTU and MAC, read the way OpenVPN's tuntap_post_open reads
// them. The handle is closed again before returning, which resets the adapter's per-handle state
// (media disconnected, TUN mode off; B.7): only done to adapters nobody holds.
#pragma once

#include <cstdint>
#include <string>

#include "tap_windows_api.h"

namespace magma::tap {

struct TapDeviceProbe {
  // 0 when it opened; ERROR_FILE_NOT_FOUND for a phantom (disabled or absent) adapter (B.1.5),
  // ERROR_GEN_FAILURE while another handle holds it (B.2), or whatever else CreateFileW said.
  uint32_t open_error = 0;
  bool has_version = false;
  TapWinVersion version{};
  bool has_mtu = false;
  uint32_t mtu = 0;
  bool has_mac = false;
  uint8_t mac[6] = {};
};

// "\\.\Global\{GUID}.tap" (B.2).
std::u16string TapDevicePath(const std::string& guid);

// Opens the device as OpenVPN does (B.2: GENERIC_READ | GENERIC_WRITE, no sharing,
// FILE_ATTRIBUTE_SYSTEM | FILE_FLAG_OVERLAPPED), reads GET_VERSION, GET_MTU and GET_MAC, and
// closes it. An IOCTL that fails leaves its field unset; it does not fail the probe.
TapDeviceProbe ProbeTapDevice(const TapWin32Api& api, const std::string& guid);

// One METHOD_BUFFERED IOCTL on a handle opened with FILE_FLAG_OVERLAPPED, `buffer` both input and
// output as OpenVPN passes it (B.3); `event` a manual-reset event for the OVERLAPPED. 0 or the
// Win32 error.
uint32_t TapControl(const TapWin32Api& api, HANDLE device, HANDLE event, DWORD code, void* buffer,
                    DWORD size);

// The same open, for callers that keep the handle (the tests' holder of an adapter). Returns
// INVALID_HANDLE_VALUE with `error` set on failure.
HANDLE OpenTapDevice(const TapWin32Api& api, const std::string& guid, uint32_t& error);

}  // namespace magma::tap
