// Adapters: a Device is this process's view of one Linux TUN interface made by
// WintunCreateAdapter, in this process or another one of the network namespace; a handle
// (_WINTUN_ADAPTER) refers to it and owns it only if it created it. The interfaces themselves are
// the registry: each carries its Wintun name in its alias (interface_names.h), so every process
// finds every adapter, as every process on Windows finds every Wintun device. Adapter calls are
// serialised by one lock in the process, and Create and Open also by one in the namespace, as
// wintun.dll serialises them with a system-wide named mutex.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

#include "namespace_lock.h"
#include "session.h"
#include "utf16.h"
#include "wintun_api.h"

namespace wintun_emu {

struct Device {
  // For messages: the name it was created or opened by. Its alias is what WintunOpenAdapter
  // matches ("<Name> N" after a newer adapter took the name).
  Utf16String name;
  GUID guid{};
  bool guidKnown = false;  // only the creating process knows the GUID
  std::string interfaceName;
  uint32_t ifIndex = 0;
  uint64_t luid = 0;
  int tunFd = -1;        // the creator's file (its queue detached); -1 in other processes
  bool removed = false;  // its creator closed it
  _TUN_SESSION *session = nullptr;  // the session this process runs on it
  uint32_t handles = 0;  // handles of this process referring to it; the last one frees it
  // Held by the creating process while the adapter exists: how every process of the namespace
  // tells the interfaces this library made from any other (adapter.cc, creatorMarkName).
  NamespaceLock creatorMark;
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
