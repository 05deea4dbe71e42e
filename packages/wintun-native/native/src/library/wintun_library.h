// One loaded wintun library (wintun.dll, or the emulator's libwintun.so) and its 14 exports.
#pragma once

#include <memory>
#include <string>

#include "wintun_api.h"

namespace magma::wintun {

struct WintunApi {
  WINTUN_CREATE_ADAPTER_FUNC* CreateAdapter = nullptr;
  WINTUN_OPEN_ADAPTER_FUNC* OpenAdapter = nullptr;
  WINTUN_CLOSE_ADAPTER_FUNC* CloseAdapter = nullptr;
  WINTUN_DELETE_DRIVER_FUNC* DeleteDriver = nullptr;
  WINTUN_GET_ADAPTER_LUID_FUNC* GetAdapterLUID = nullptr;
  WINTUN_GET_RUNNING_DRIVER_VERSION_FUNC* GetRunningDriverVersion = nullptr;
  WINTUN_SET_LOGGER_FUNC* SetLogger = nullptr;
  WINTUN_START_SESSION_FUNC* StartSession = nullptr;
  WINTUN_END_SESSION_FUNC* EndSession = nullptr;
  WINTUN_GET_READ_WAIT_EVENT_FUNC* GetReadWaitEvent = nullptr;
  WINTUN_RECEIVE_PACKET_FUNC* ReceivePacket = nullptr;
  WINTUN_RELEASE_RECEIVE_PACKET_FUNC* ReleaseReceivePacket = nullptr;
  WINTUN_ALLOCATE_SEND_PACKET_FUNC* AllocateSendPacket = nullptr;
  WINTUN_SEND_PACKET_FUNC* SendPacket = nullptr;
};

struct LibraryLoadResult {
  std::shared_ptr<const WintunApi> api;  // null on failure
  uint32_t win32_code = 0;
  std::string call;    // "LoadLibraryExW"/"dlopen" or "GetProcAddress"/"dlsym"
  std::string detail;  // the loader's message, or which exports are missing
};

// Loads the library at `path` (empty: the platform default) and resolves all 14 exports. A library
// lacking any of them (a pre-0.14 wintun.dll exports WintunFreeAdapter instead of
// WintunCloseAdapter, and its logger has no timestamp) is refused with ERROR_PROC_NOT_FOUND.
// Loaded libraries are cached by path and never unloaded.
LibraryLoadResult LoadWintunLibrary(const std::string& path);

}  // namespace magma::wintun
