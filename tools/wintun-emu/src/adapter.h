// Adapters: a Device is one Linux TUN interface made by WintunCreateAdapter; a handle
// (_WINTUN_ADAPTER) refers to it and owns it only if it created it. The registry of present
// devices is process-wide and guarded by one lock, as wintun.dll serialises adapter calls with a
// named mutex.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "session.h"
#include "utf16.h"
#include "wintun_api.h"

namespace wintun_emu {

struct Device {
  Utf16String name;  // what WintunOpenAdapter matches; "<Name> N" after a newer adapter took it
  Utf16String tunnelType;
  GUID guid{};
  std::string interfaceName;
  uint32_t ifIndex = 0;
  uint64_t luid = 0;
  int tunFd = -1;
  bool removed = false;  // its creator closed it
  _TUN_SESSION *session = nullptr;
  uint32_t handles = 0;  // handles referring to this device; the last one frees it
};

enum class AdapterState : uint32_t { Open = 0x41444150, Closed = 0x434C4F53 };

}  // namespace wintun_emu

struct _WINTUN_ADAPTER {
  wintun_emu::AdapterState state = wintun_emu::AdapterState::Open;
  wintun_emu::Device *device = nullptr;
  bool owner = false;
};

namespace wintun_emu {

using Adapter = _WINTUN_ADAPTER;

std::mutex &registryLock();
bool accessAllowed();
void setAccessDenied(bool denied);

Adapter *createAdapter(const WINTUN_WCHAR *name, const WINTUN_WCHAR *tunnelType,
                       const GUID *requestedGuid);
Adapter *openAdapter(const WINTUN_WCHAR *name);
void closeAdapter(Adapter *adapter);
bool deleteDriver();
uint32_t runningDriverVersion();
Session *startAdapterSession(Adapter &adapter, uint32_t capacity);
void endSession(Session *session);
// Totals over every session this process has run on the interface `ifIndex` (never freed).
Counters &adapterCounters(uint32_t ifIndex);

}  // namespace wintun_emu
