// The 14 exports of wintun.dll 0.14 plus the emulator's WintunEmu* extras. Each export checks its
// handle (strictly or leniently, see strict_mode.h) and hands over to adapter.cc or session.cc.
#include <cstring>

#include "adapter.h"
#include "last_error.h"
#include "logger.h"
#include "session.h"
#include "strict_mode.h"
#include "win32_error.h"
#include "wintun_emu.h"

#define WINTUN_EXPORT extern "C" WINTUN_EMU_EXPORT

using namespace wintun_emu;

namespace {

// A usable adapter handle, or nullptr after a strict abort or a lenient ERROR_INVALID_HANDLE.
Adapter *checkAdapter(WINTUN_ADAPTER_HANDLE handle, const char *call) {
  if (handle == nullptr) {
    if (strictMode()) strictAbort(call, "Adapter handle is NULL");
    setLastError(kErrorInvalidHandle);
    return nullptr;
  }
  if (strictMode() && handle->state != AdapterState::Open) {
    strictAbort(call, "Adapter handle %p was already closed", static_cast<void *>(handle));
  }
  return handle;
}

Session *checkSession(WINTUN_SESSION_HANDLE handle, const char *call) {
  if (handle == nullptr) {
    if (strictMode()) strictAbort(call, "Session handle is NULL");
    setLastError(kErrorInvalidHandle);
    return nullptr;
  }
  if (strictMode() && handle->state.load() != SessionState::Alive) {
    strictAbort(call, "Session %p was already ended", static_cast<void *>(handle));
  }
  return handle;
}

// Strict mode counts calls inside a session so WintunEndSession can tell it is racing one.
class SessionCall {
 public:
  explicit SessionCall(Session *session)
      : session_(session != nullptr && strictMode() ? session : nullptr) {
    if (session_ != nullptr) session_->callsInProgress.fetch_add(1);
  }
  ~SessionCall() {
    if (session_ != nullptr) session_->callsInProgress.fetch_sub(1);
  }
  SessionCall(const SessionCall &) = delete;
  SessionCall &operator=(const SessionCall &) = delete;

 private:
  Session *session_;
};

}  // namespace

WINTUN_EXPORT WINTUN_ADAPTER_HANDLE WintunCreateAdapter(const WINTUN_WCHAR *Name,
                                                        const WINTUN_WCHAR *TunnelType,
                                                        const GUID *RequestedGUID) {
  return createAdapter(Name, TunnelType, RequestedGUID);
}

WINTUN_EXPORT WINTUN_ADAPTER_HANDLE WintunOpenAdapter(const WINTUN_WCHAR *Name) {
  return openAdapter(Name);
}

WINTUN_EXPORT void WintunCloseAdapter(WINTUN_ADAPTER_HANDLE Adapter) {
  if (Adapter == nullptr) return;  // allowed, as on Windows
  if (checkAdapter(Adapter, "WintunCloseAdapter") == nullptr) return;
  closeAdapter(Adapter);
}

WINTUN_EXPORT BOOL WintunDeleteDriver(void) { return deleteDriver() ? 1 : 0; }

WINTUN_EXPORT void WintunGetAdapterLUID(WINTUN_ADAPTER_HANDLE Adapter, WINTUN_NET_LUID *Luid) {
  if (checkAdapter(Adapter, "WintunGetAdapterLUID") == nullptr) return;
  if (Luid == nullptr) {
    if (strictMode()) strictAbort("WintunGetAdapterLUID", "Luid is NULL");
    return;
  }
  Luid->Value = Adapter->device->luid;
}

WINTUN_EXPORT DWORD WintunGetRunningDriverVersion(void) { return runningDriverVersion(); }

WINTUN_EXPORT void WintunSetLogger(WINTUN_LOGGER_CALLBACK NewLogger) { setLogger(NewLogger); }

WINTUN_EXPORT WINTUN_SESSION_HANDLE WintunStartSession(WINTUN_ADAPTER_HANDLE Adapter,
                                                       DWORD Capacity) {
  if (checkAdapter(Adapter, "WintunStartSession") == nullptr) {
    failWith(kErrorInvalidHandle, "WintunStartSession: invalid adapter handle");
    return nullptr;
  }
  return startAdapterSession(*Adapter, Capacity);
}

WINTUN_EXPORT void WintunEndSession(WINTUN_SESSION_HANDLE Session) {
  if (checkSession(Session, "WintunEndSession") == nullptr) return;
  if (strictMode()) {
    uint32_t busy = Session->callsInProgress.load();
    if (busy != 0) {
      strictAbort("WintunEndSession", "%u call(s) on session %p still in progress", busy,
                  static_cast<void *>(Session));
    }
  }
  endSession(Session);
}

WINTUN_EXPORT HANDLE WintunGetReadWaitEvent(WINTUN_SESSION_HANDLE Session) {
  if (checkSession(Session, "WintunGetReadWaitEvent") == nullptr) return nullptr;
  return reinterpret_cast<HANDLE>(static_cast<intptr_t>(Session->readEvent));
}

WINTUN_EXPORT BYTE *WintunReceivePacket(WINTUN_SESSION_HANDLE Session, DWORD *PacketSize) {
  if (checkSession(Session, "WintunReceivePacket") == nullptr) return nullptr;
  if (PacketSize == nullptr && strictMode()) {
    strictAbort("WintunReceivePacket", "PacketSize is NULL");
  }
  SessionCall call(Session);
  DWORD ignored;
  return receivePacket(*Session, PacketSize != nullptr ? PacketSize : &ignored);
}

WINTUN_EXPORT void WintunReleaseReceivePacket(WINTUN_SESSION_HANDLE Session, const BYTE *Packet) {
  if (checkSession(Session, "WintunReleaseReceivePacket") == nullptr) return;
  SessionCall call(Session);
  releaseReceivePacket(*Session, Packet);
}

WINTUN_EXPORT BYTE *WintunAllocateSendPacket(WINTUN_SESSION_HANDLE Session, DWORD PacketSize) {
  if (checkSession(Session, "WintunAllocateSendPacket") == nullptr) return nullptr;
  SessionCall call(Session);
  return allocateSendPacket(*Session, PacketSize);
}

WINTUN_EXPORT void WintunSendPacket(WINTUN_SESSION_HANDLE Session, const BYTE *Packet) {
  if (checkSession(Session, "WintunSendPacket") == nullptr) return;
  SessionCall call(Session);
  sendPacket(*Session, Packet);
}

// ---- Emulator extras (wintun_emu.h) ----

WINTUN_EXPORT DWORD WintunEmuGetLastError(void) { return lastError(); }

WINTUN_EXPORT BOOL WintunEmuGetSessionCounters(WINTUN_SESSION_HANDLE Session,
                                               WINTUN_EMU_COUNTERS *Counters) {
  if (Session == nullptr || Counters == nullptr) return 0;
  Session->counters.snapshot(Counters);
  return 1;
}

WINTUN_EXPORT void WintunEmuGetGlobalCounters(WINTUN_EMU_COUNTERS *Counters) {
  if (Counters != nullptr) globalCounters().snapshot(Counters);
}

WINTUN_EXPORT BOOL WintunEmuGetAdapterCounters(WINTUN_ADAPTER_HANDLE Adapter,
                                               WINTUN_EMU_COUNTERS *Counters) {
  if (checkAdapter(Adapter, "WintunEmuGetAdapterCounters") == nullptr || Counters == nullptr) {
    return 0;
  }
  adapterCounters(Adapter->device->ifIndex).snapshot(Counters);
  return 1;
}

// The test hooks: faults and the rights switch. A build for users leaves them out, so nothing
// outside a test can make its sessions lose packets or its calls fail.
#if WINTUN_EMU_TEST_HOOKS
WINTUN_EXPORT void WintunEmuSetAccessDenied(BOOL Denied) { setAccessDenied(Denied != 0); }

WINTUN_EXPORT void WintunEmuSetDefaultFaults(const WINTUN_EMU_FAULTS *Faults) {
  if (Faults != nullptr) defaultFaults().assign(*Faults);
}

WINTUN_EXPORT BOOL WintunEmuSetSessionFaults(WINTUN_SESSION_HANDLE Session,
                                             const WINTUN_EMU_FAULTS *Faults) {
  if (checkSession(Session, "WintunEmuSetSessionFaults") == nullptr || Faults == nullptr) return 0;
  Session->faults.assign(*Faults);
  return 1;
}

WINTUN_EXPORT BOOL WintunEmuForceEndOfSession(WINTUN_SESSION_HANDLE Session) {
  if (checkSession(Session, "WintunEmuForceEndOfSession") == nullptr) return 0;
  logMessage(WINTUN_LOG_WARN, "Fault injection: ending the session");
  requestDriverStop(*Session);
  return 1;
}

WINTUN_EXPORT BOOL WintunEmuCorruptRing(WINTUN_SESSION_HANDLE Session, WINTUN_EMU_RING Ring) {
  if (checkSession(Session, "WintunEmuCorruptRing") == nullptr) return 0;
  if (Ring == WINTUN_EMU_RING_TO_APP) {
    Session->corruptionRequests.fetch_or(kCorruptToApp);
    signalEvent(Session->toAppWakeEvent);
  } else {
    Session->corruptionRequests.fetch_or(kCorruptFromApp);
    signalEvent(Session->tailMovedEvent);
  }
  return 1;
}

WINTUN_EXPORT BOOL WintunEmuPauseFromApp(WINTUN_SESSION_HANDLE Session, BOOL Paused) {
  if (checkSession(Session, "WintunEmuPauseFromApp") == nullptr) return 0;
  SessionCall call(Session);
  Session->consumer->setPaused(Paused != 0);
  return 1;
}
#endif

WINTUN_EXPORT void WintunEmuSetStrictMode(BOOL Enabled) { setStrictMode(Enabled != 0); }

WINTUN_EXPORT BOOL WintunEmuGetStrictMode(void) { return strictMode() ? 1 : 0; }

WINTUN_EXPORT BOOL WintunEmuGetAdapterGuid(WINTUN_ADAPTER_HANDLE Adapter, GUID *Guid) {
  if (checkAdapter(Adapter, "WintunEmuGetAdapterGuid") == nullptr || Guid == nullptr) return 0;
  if (!Adapter->device->guidKnown) {
    setLastError(WINTUN_ERROR_NOT_FOUND);
    return 0;
  }
  *Guid = Adapter->device->guid;
  return 1;
}

WINTUN_EXPORT BOOL WintunEmuGetInterfaceName(WINTUN_ADAPTER_HANDLE Adapter, char *Name,
                                             DWORD NameBytes) {
  if (checkAdapter(Adapter, "WintunEmuGetInterfaceName") == nullptr || Name == nullptr) return 0;
  const std::string &name = Adapter->device->interfaceName;
  if (NameBytes < name.size() + 1) {
    setLastError(WINTUN_ERROR_BUFFER_OVERFLOW);
    return 0;
  }
  std::memcpy(Name, name.c_str(), name.size() + 1);
  return 1;
}

// The exports have exactly the consumer header's 0.14 function types.
#include <type_traits>
static_assert(std::is_same<decltype(WintunCreateAdapter), WINTUN_CREATE_ADAPTER_FUNC>::value, "");
static_assert(std::is_same<decltype(WintunOpenAdapter), WINTUN_OPEN_ADAPTER_FUNC>::value, "");
static_assert(std::is_same<decltype(WintunCloseAdapter), WINTUN_CLOSE_ADAPTER_FUNC>::value, "");
static_assert(std::is_same<decltype(WintunDeleteDriver), WINTUN_DELETE_DRIVER_FUNC>::value, "");
static_assert(std::is_same<decltype(WintunGetAdapterLUID), WINTUN_GET_ADAPTER_LUID_FUNC>::value,
              "");
static_assert(std::is_same<decltype(WintunGetRunningDriverVersion),
                           WINTUN_GET_RUNNING_DRIVER_VERSION_FUNC>::value,
              "");
static_assert(std::is_same<decltype(WintunSetLogger), WINTUN_SET_LOGGER_FUNC>::value, "");
static_assert(std::is_same<decltype(WintunStartSession), WINTUN_START_SESSION_FUNC>::value, "");
static_assert(std::is_same<decltype(WintunEndSession), WINTUN_END_SESSION_FUNC>::value, "");
static_assert(
    std::is_same<decltype(WintunGetReadWaitEvent), WINTUN_GET_READ_WAIT_EVENT_FUNC>::value, "");
static_assert(std::is_same<decltype(WintunReceivePacket), WINTUN_RECEIVE_PACKET_FUNC>::value, "");
static_assert(std::is_same<decltype(WintunReleaseReceivePacket),
                           WINTUN_RELEASE_RECEIVE_PACKET_FUNC>::value,
              "");
static_assert(std::is_same<decltype(WintunAllocateSendPacket),
                           WINTUN_ALLOCATE_SEND_PACKET_FUNC>::value,
              "");
static_assert(std::is_same<decltype(WintunSendPacket), WINTUN_SEND_PACKET_FUNC>::value, "");
