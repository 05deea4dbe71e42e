// A stand-in wintun.dll for running the Windows build of @magma/wintun-native under Wine, where
// no wintun driver can run: the 14 exports of the wintun 0.14 API (native/include/wintun_api.h of
// @magma/wintun-native) over an in-process loopback "driver". Every packet the app sends comes
// back as a received packet, through rings with the real API's contract:
//
// - Rings of Capacity bytes (a power of two from 128 KiB to 64 MiB), each packet a 4-byte size
//   word and its bytes padded to 4, and 0x10000 spare bytes after the end so a packet never wraps.
// - WintunGetReadWaitEvent: an auto-reset event (CreateEventW(NULL, FALSE, FALSE, NULL), as
//   wintun's api/session.c creates it), set each time the driver publishes received packets and
//   once when it ends the session.
// - WintunReceivePacket: ERROR_NO_MORE_ITEMS when empty, ERROR_HANDLE_EOF once the driver ended
//   the session. Releases may come in any order; ring space comes back in ring order.
// - WintunAllocateSendPacket: ERROR_BUFFER_OVERFLOW when the send ring is full,
//   ERROR_HANDLE_EOF once ended; the driver sees sent packets in allocation order only, so a
//   packet allocated first and sent last holds back the ones after it.
// - One session per adapter (ERROR_ALREADY_INITIALIZED for a second one); adapters are found by
//   name ignoring case (ERROR_NOT_FOUND); closing the handle that created an adapter removes it.
// - The logger callback receives what happened, with a FILETIME timestamp.
//
// The driver is a thread per session that moves sent packets into the receive ring, dropping a
// packet when the receive ring has no room (as wintun.sys drops a batch), so Magma's event waits,
// receive thread and batches run through the Windows code paths.
//
// Test hooks, read from the environment when a session starts (Node's process.env sets the
// process environment on Windows, so a test can set them just before startSession):
//   WINTUN_LOOPBACK_END_AFTER=<n>   the driver ends the session after publishing n packets, as
//                                   wintun.sys does when the adapter goes away
//   WINTUN_LOOPBACK_PAUSE_DRIVER=1  the driver consumes nothing, so the send ring fills up
//
// The adapters report the LUID of the system's loopback interface (or, without one, a made-up
// LUID of the software-loopback type), so that IP Helper lookups by LUID (index, alias, counters)
// find an interface under Wine; IP configuration through it is not meant to be tested.
//
// Each created adapter is also registered as the device wintun makes on Windows
// (device_registration.cc): "SWD\Wintun\{GUID}" in the network class, with wintun's name
// property and a class key whose NetCfgInstanceId is the GUID of the interface whose LUID the
// adapter reports, so that listing adapters as Windows lists them finds it with that interface.
// Closing the creating handle removes the device. One more hook, read at creation:
//   WINTUN_LOOPBACK_NO_INTERFACE=1  the class key names the requested GUID (as on Windows), for
//                                   which no interface exists under Wine: an adapter whose
//                                   interface is not there (disabled, or gone)
#include <winsock2.h>
#include <ws2ipdef.h>
#include <iphlpapi.h>
#include <netioapi.h>
#include <windows.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <cwchar>
#include <cwctype>
#include <memory>
#include <string>
#include <vector>

#include "device_registration.h"
#include "wintun_api.h"

#define LOOPBACK_EXPORT extern "C" __declspec(dllexport)

namespace {

constexpr uint32_t kHeaderSize = 4;
constexpr uint32_t kSpareBytes = 0x10000;
// Set in a size word while the packet is allocated but not sent (send ring) or received but not
// released (receive ring), as wintun marks it.
constexpr uint32_t kBusyFlag = 0x80000000u;
constexpr DWORD kDriverVersion = 0x0000000Eu;  // 0.14, major in the high word

uint32_t Footprint(uint32_t size) { return (kHeaderSize + size + 3u) & ~3u; }

// ---- logging ---------------------------------------------------------------------------------

std::atomic<WINTUN_LOGGER_CALLBACK> g_logger{nullptr};

void Log(WINTUN_LOGGER_LEVEL level, const std::wstring& message) {
  WINTUN_LOGGER_CALLBACK logger = g_logger.load();
  if (logger == nullptr) return;
  FILETIME now;
  GetSystemTimeAsFileTime(&now);
  DWORD64 stamp = (static_cast<DWORD64>(now.dwHighDateTime) << 32) | now.dwLowDateTime;
  logger(level, stamp, reinterpret_cast<const WINTUN_WCHAR*>(message.c_str()));
}

// A failing call logs at ERR and leaves its code for GetLastError, as wintun's LOG_ERROR does.
void Fail(DWORD code, const std::wstring& message) {
  Log(WINTUN_LOG_ERR, message);
  SetLastError(code);
}

// ---- a lock named for what it guards ---------------------------------------------------------

class Lock {
 public:
  void Acquire() { AcquireSRWLockExclusive(&lock_); }
  void Release() { ReleaseSRWLockExclusive(&lock_); }

 private:
  SRWLOCK lock_ = SRWLOCK_INIT;
};

class Held {
 public:
  explicit Held(Lock& lock) : lock_(lock) { lock_.Acquire(); }
  ~Held() { lock_.Release(); }
  Held(const Held&) = delete;
  Held& operator=(const Held&) = delete;

 private:
  Lock& lock_;
};

// ---- rings -----------------------------------------------------------------------------------

struct Ring {
  explicit Ring(uint32_t capacity) : mask(capacity - 1), data(capacity + kSpareBytes) {}
  uint32_t* SizeWord(uint32_t offset) { return reinterpret_cast<uint32_t*>(&data[offset]); }
  // Free bytes from `tail` up to `head`, keeping one header's worth so full never looks empty.
  uint32_t Space(uint32_t head, uint32_t tail) const { return (head - tail - kHeaderSize) & mask; }
  uint32_t mask;
  std::vector<BYTE> data;
};

// App -> driver. The app allocates at `tail` and the driver consumes from `head` up to
// `published`, the end of the run of packets that have all been sent.
struct SendRing {
  explicit SendRing(uint32_t capacity) : ring(capacity) {}
  Lock lock;  // guards every field
  Ring ring;
  uint32_t head = 0;
  uint32_t published = 0;
  uint32_t tail = 0;
};

// Driver -> app. The driver writes at `tail`; the app reads from `read` and gives space back
// from `released`, over the run of packets it has released.
struct ReceiveRing {
  explicit ReceiveRing(uint32_t capacity) : ring(capacity) {}
  Lock lock;  // guards every field
  Ring ring;
  uint32_t released = 0;
  uint32_t read = 0;
  uint32_t tail = 0;
  uint32_t outstanding = 0;  // received and not yet released
};

// ---- adapters --------------------------------------------------------------------------------

struct Device;

struct Session {
  Session(Device* owner, uint32_t capacity) : device(owner), send(capacity), receive(capacity) {}
  Device* device;
  SendRing send;
  ReceiveRing receive;
  HANDLE read_event = nullptr;   // returned by WintunGetReadWaitEvent
  HANDLE sent_event = nullptr;   // the app sent packets: the driver has work
  HANDLE quit_event = nullptr;   // WintunEndSession: the driver thread stops
  HANDLE driver_thread = nullptr;
  std::atomic<bool> ended{false};  // the driver ended the session
  bool paused = false;
  uint64_t end_after = 0;  // 0: never
  uint64_t published_packets = 0;
};

struct Device {
  std::wstring name;
  uint64_t luid = 0;
  std::wstring instance_id;  // its device, "" when it could not be registered
  Session* session = nullptr;  // guarded by g_devices_lock
  bool removed = false;        // its creating handle was closed
};

struct AdapterHandle {
  std::shared_ptr<Device> device;
  bool created = false;
};

Lock g_devices_lock;  // guards g_devices and each Device's session and removed fields
std::vector<std::shared_ptr<Device>> g_devices;
uint32_t g_next_luid_index = 1;

bool SameName(const std::wstring& a, const std::wstring& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::towlower(a[i]) != std::towlower(b[i])) return false;
  }
  return true;
}

// The LUID of an interface IP Helper knows, so Magma's lookups by LUID succeed under Wine.
uint64_t LoopbackInterfaceLuid() {
  MIB_IF_TABLE2* table = nullptr;
  uint64_t found = 0;
  if (GetIfTable2(&table) == NO_ERROR) {
    for (ULONG i = 0; i < table->NumEntries; ++i) {
      if (table->Table[i].Type == IF_TYPE_SOFTWARE_LOOPBACK) {
        found = table->Table[i].InterfaceLuid.Value;
        break;
      }
    }
    FreeMibTable(table);
  }
  if (found != 0) return found;
  // IfType in bits 48-63, NetLuidIndex in bits 24-47.
  return (static_cast<uint64_t>(IF_TYPE_SOFTWARE_LOOPBACK) << 48) |
         (static_cast<uint64_t>(g_next_luid_index++) << 24);
}

const wchar_t* Wide(const WINTUN_WCHAR* text) { return reinterpret_cast<const wchar_t*>(text); }

uint32_t g_next_instance = 1;  // guarded by g_devices_lock

// wintun takes the requested GUID as the device's instance ID, else a new one (CoCreateGuid);
// this one is unique within the prefix's processes: the process ID and a counter.
GUID InstanceGuid(const GUID* requested) {
  if (requested != nullptr) return *requested;
  GUID made = {0x4c4f4f50, 0, 0, {0x4d, 0x41, 0x47, 0x4d, 0x41, 0, 0, 0}};
  DWORD process = GetCurrentProcessId();
  made.Data2 = static_cast<uint16_t>(process >> 16);
  made.Data3 = static_cast<uint16_t>(process);
  made.Data4[5] = static_cast<uint8_t>(g_next_instance >> 16);
  made.Data4[6] = static_cast<uint8_t>(g_next_instance >> 8);
  made.Data4[7] = static_cast<uint8_t>(g_next_instance);
  ++g_next_instance;
  return made;
}

// ---- the driver ------------------------------------------------------------------------------

// Copies one sent packet into the receive ring, or drops it when the ring has no room. Under
// the receive lock: the app reads only up to `tail`, which moves after the bytes are in place.
bool Publish(Session& session, const BYTE* packet, uint32_t size) {
  ReceiveRing& side = session.receive;
  Held held(side.lock);
  if (Footprint(size) > side.ring.Space(side.released, side.tail)) return false;
  *side.ring.SizeWord(side.tail) = size;
  std::memcpy(&side.ring.data[side.tail + kHeaderSize], packet, size);
  side.tail = (side.tail + Footprint(size)) & side.ring.mask;
  return true;
}

// One pass over the sent packets: each goes back to the app, then its send space is freed.
// Returns whether anything was published, so the read event is set once per pass.
bool MoveSentPackets(Session& session) {
  SendRing& side = session.send;
  uint32_t head;
  uint32_t published;
  {
    Held held(side.lock);
    head = side.head;
    published = side.published;
  }
  bool any = false;
  // The bytes between head and published are the driver's alone until head moves past them.
  while (head != published && !session.ended.load()) {
    uint32_t size = *side.ring.SizeWord(head);
    if (Publish(session, &side.ring.data[head + kHeaderSize], size)) {
      any = true;
      ++session.published_packets;
      if (session.end_after != 0 && session.published_packets >= session.end_after) {
        session.ended.store(true);
        Log(WINTUN_LOG_WARN, L"Driver ended the session (WINTUN_LOOPBACK_END_AFTER)");
      }
    }
    head = (head + Footprint(size)) & side.ring.mask;
    Held held(side.lock);
    side.head = head;
  }
  return any || session.ended.load();
}

DWORD WINAPI DriverThread(void* parameter) {
  Session& session = *static_cast<Session*>(parameter);
  HANDLE waits[2] = {session.quit_event, session.sent_event};
  for (;;) {
    DWORD result = WaitForMultipleObjects(2, waits, FALSE, INFINITE);
    if (result != WAIT_OBJECT_0 + 1) return 0;
    if (session.paused || session.ended.load()) continue;
    if (MoveSentPackets(session)) SetEvent(session.read_event);
  }
}

uint64_t EnvironmentNumber(const wchar_t* name) {
  wchar_t value[32];
  DWORD length = GetEnvironmentVariableW(name, value, 32);
  if (length == 0 || length >= 32) return 0;
  return std::wcstoull(value, nullptr, 10);
}

void FreeSession(Session* session) {
  if (session->driver_thread != nullptr) {
    SetEvent(session->quit_event);
    WaitForSingleObject(session->driver_thread, INFINITE);
    CloseHandle(session->driver_thread);
  }
  for (HANDLE event : {session->read_event, session->sent_event, session->quit_event}) {
    if (event != nullptr) CloseHandle(event);
  }
  delete session;
}

}  // namespace

// ---- the 14 exports --------------------------------------------------------------------------

LOOPBACK_EXPORT WINTUN_ADAPTER_HANDLE WINAPI WintunCreateAdapter(const WINTUN_WCHAR* name,
                                                                 const WINTUN_WCHAR* tunnel_type,
                                                                 const GUID* requested_guid) {
  if (name == nullptr || tunnel_type == nullptr) {
    Fail(ERROR_INVALID_PARAMETER, L"Name and TunnelType must not be NULL");
    return nullptr;
  }
  size_t length = std::wcslen(Wide(name));
  if (length == 0) {
    Fail(ERROR_INVALID_PARAMETER, L"Adapter name must not be empty");
    return nullptr;
  }
  if (length >= WINTUN_MAX_ADAPTER_NAME) {
    Fail(ERROR_BUFFER_OVERFLOW, L"Adapter name too long");
    return nullptr;
  }
  auto device = std::make_shared<Device>();
  device->name = Wide(name);
  GUID instance;
  {
    Held held(g_devices_lock);
    device->luid = LoopbackInterfaceLuid();
    instance = InstanceGuid(requested_guid);
  }
  NET_LUID luid;
  luid.Value = device->luid;
  GUID interface_guid = instance;
  if (EnvironmentNumber(L"WINTUN_LOOPBACK_NO_INTERFACE") != 1 &&
      ConvertInterfaceLuidToGuid(&luid, &interface_guid) != NO_ERROR) {
    interface_guid = instance;
  }
  device->instance_id = loopback::RegisterWintunDevice(device->name, Wide(tunnel_type), instance,
                                                       interface_guid, device->luid);
  if (device->instance_id.empty()) {
    Log(WINTUN_LOG_WARN, L"Failed to register the adapter's device (code " +
                             std::to_wstring(GetLastError()) + L"): it is not listed");
  }
  {
    Held held(g_devices_lock);
    g_devices.push_back(device);
  }
  Log(WINTUN_LOG_INFO, L"Created adapter " + device->name);
  return reinterpret_cast<WINTUN_ADAPTER_HANDLE>(new AdapterHandle{device, true});
}

LOOPBACK_EXPORT WINTUN_ADAPTER_HANDLE WINAPI WintunOpenAdapter(const WINTUN_WCHAR* name) {
  if (name == nullptr) {
    Fail(ERROR_INVALID_PARAMETER, L"Name must not be NULL");
    return nullptr;
  }
  std::wstring wanted = Wide(name);
  Held held(g_devices_lock);
  // The newest adapter of that name, as a renamed older one no longer answers to it.
  for (auto it = g_devices.rbegin(); it != g_devices.rend(); ++it) {
    if (SameName((*it)->name, wanted)) {
      return reinterpret_cast<WINTUN_ADAPTER_HANDLE>(new AdapterHandle{*it, false});
    }
  }
  Fail(ERROR_NOT_FOUND, L"Failed to find adapter " + wanted);
  return nullptr;
}

LOOPBACK_EXPORT void WINAPI WintunCloseAdapter(WINTUN_ADAPTER_HANDLE adapter) {
  if (adapter == nullptr) return;
  auto* handle = reinterpret_cast<AdapterHandle*>(adapter);
  if (handle->created) {
    Held held(g_devices_lock);
    handle->device->removed = true;
    for (auto it = g_devices.begin(); it != g_devices.end(); ++it) {
      if (*it == handle->device) {
        g_devices.erase(it);
        break;
      }
    }
    Log(WINTUN_LOG_INFO, L"Removed adapter " + handle->device->name);
  }
  if (handle->created) loopback::RemoveWintunDevice(handle->device->instance_id);
  delete handle;
}

LOOPBACK_EXPORT BOOL WINAPI WintunDeleteDriver(void) {
  Held held(g_devices_lock);
  if (!g_devices.empty()) {
    Fail(ERROR_ACCESS_DENIED, L"Failed to delete the driver: adapters exist");
    return FALSE;
  }
  return TRUE;
}

LOOPBACK_EXPORT void WINAPI WintunGetAdapterLUID(WINTUN_ADAPTER_HANDLE adapter,
                                                 WINTUN_NET_LUID* luid) {
  luid->Value = reinterpret_cast<AdapterHandle*>(adapter)->device->luid;
}

// Like wintun.sys: no driver is loaded while no adapter exists.
LOOPBACK_EXPORT DWORD WINAPI WintunGetRunningDriverVersion(void) {
  Held held(g_devices_lock);
  if (g_devices.empty()) {
    Fail(ERROR_FILE_NOT_FOUND, L"Wintun driver is not loaded");
    return 0;
  }
  return kDriverVersion;
}

LOOPBACK_EXPORT void WINAPI WintunSetLogger(WINTUN_LOGGER_CALLBACK logger) { g_logger.store(logger); }

LOOPBACK_EXPORT WINTUN_SESSION_HANDLE WINAPI WintunStartSession(WINTUN_ADAPTER_HANDLE adapter,
                                                                DWORD capacity) {
  auto* handle = reinterpret_cast<AdapterHandle*>(adapter);
  if (capacity < WINTUN_MIN_RING_CAPACITY || capacity > WINTUN_MAX_RING_CAPACITY ||
      (capacity & (capacity - 1)) != 0) {
    Fail(ERROR_INVALID_PARAMETER, L"Invalid ring capacity");
    return nullptr;
  }
  Device* device = handle->device.get();
  auto* session = new Session(device, capacity);
  session->paused = EnvironmentNumber(L"WINTUN_LOOPBACK_PAUSE_DRIVER") != 0;
  session->end_after = EnvironmentNumber(L"WINTUN_LOOPBACK_END_AFTER");
  session->read_event = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  session->sent_event = CreateEventW(nullptr, FALSE, FALSE, nullptr);
  session->quit_event = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (session->read_event == nullptr || session->sent_event == nullptr ||
      session->quit_event == nullptr) {
    DWORD code = GetLastError();
    FreeSession(session);
    Fail(code, L"Failed to create session events");
    return nullptr;
  }
  {
    Held held(g_devices_lock);
    if (device->removed) {
      FreeSession(session);
      Fail(ERROR_FILE_NOT_FOUND, L"Failed to open adapter device object: adapter is gone");
      return nullptr;
    }
    if (device->session != nullptr) {
      FreeSession(session);
      Fail(ERROR_ALREADY_INITIALIZED, L"Failed to register rings: a session is running");
      return nullptr;
    }
    device->session = session;
  }
  session->driver_thread = CreateThread(nullptr, 0, DriverThread, session, 0, nullptr);
  if (session->driver_thread == nullptr) {
    DWORD code = GetLastError();
    {
      Held held(g_devices_lock);
      device->session = nullptr;
    }
    FreeSession(session);
    Fail(code, L"Failed to start the driver thread");
    return nullptr;
  }
  Log(WINTUN_LOG_INFO, L"Started session on " + device->name);
  return reinterpret_cast<WINTUN_SESSION_HANDLE>(session);
}

LOOPBACK_EXPORT void WINAPI WintunEndSession(WINTUN_SESSION_HANDLE handle) {
  auto* session = reinterpret_cast<Session*>(handle);
  {
    Held held(g_devices_lock);
    session->device->session = nullptr;
  }
  FreeSession(session);
}

LOOPBACK_EXPORT HANDLE WINAPI WintunGetReadWaitEvent(WINTUN_SESSION_HANDLE handle) {
  return reinterpret_cast<Session*>(handle)->read_event;
}

LOOPBACK_EXPORT BYTE* WINAPI WintunReceivePacket(WINTUN_SESSION_HANDLE handle, DWORD* size) {
  auto* session = reinterpret_cast<Session*>(handle);
  ReceiveRing& side = session->receive;
  Held held(side.lock);
  if (session->ended.load()) {
    SetLastError(ERROR_HANDLE_EOF);
    return nullptr;
  }
  if (side.read == side.tail) {
    SetLastError(ERROR_NO_MORE_ITEMS);
    return nullptr;
  }
  uint32_t* word = side.ring.SizeWord(side.read);
  uint32_t packet_size = *word;
  *word = packet_size | kBusyFlag;
  BYTE* packet = &side.ring.data[side.read + kHeaderSize];
  side.read = (side.read + Footprint(packet_size)) & side.ring.mask;
  ++side.outstanding;
  *size = packet_size;
  return packet;
}

LOOPBACK_EXPORT void WINAPI WintunReleaseReceivePacket(WINTUN_SESSION_HANDLE handle,
                                                       const BYTE* packet) {
  auto* session = reinterpret_cast<Session*>(handle);
  ReceiveRing& side = session->receive;
  Held held(side.lock);
  uint32_t offset = static_cast<uint32_t>(packet - side.ring.data.data()) - kHeaderSize;
  *side.ring.SizeWord(offset) &= ~kBusyFlag;
  // Space returns in ring order: up to the first packet still held.
  while (side.outstanding > 0) {
    uint32_t word = *side.ring.SizeWord(side.released);
    if ((word & kBusyFlag) != 0) break;
    side.released = (side.released + Footprint(word)) & side.ring.mask;
    --side.outstanding;
  }
}

LOOPBACK_EXPORT BYTE* WINAPI WintunAllocateSendPacket(WINTUN_SESSION_HANDLE handle, DWORD size) {
  auto* session = reinterpret_cast<Session*>(handle);
  SendRing& side = session->send;
  if (session->ended.load()) {
    SetLastError(ERROR_HANDLE_EOF);
    return nullptr;
  }
  if (size > WINTUN_MAX_IP_PACKET_SIZE) {
    SetLastError(ERROR_INVALID_PARAMETER);
    return nullptr;
  }
  Held held(side.lock);
  if (Footprint(size) > side.ring.Space(side.head, side.tail)) {
    SetLastError(ERROR_BUFFER_OVERFLOW);
    return nullptr;
  }
  *side.ring.SizeWord(side.tail) = size | kBusyFlag;
  BYTE* packet = &side.ring.data[side.tail + kHeaderSize];
  side.tail = (side.tail + Footprint(size)) & side.ring.mask;
  return packet;
}

LOOPBACK_EXPORT void WINAPI WintunSendPacket(WINTUN_SESSION_HANDLE handle, const BYTE* packet) {
  auto* session = reinterpret_cast<Session*>(handle);
  SendRing& side = session->send;
  bool moved = false;
  {
    Held held(side.lock);
    uint32_t offset = static_cast<uint32_t>(packet - side.ring.data.data()) - kHeaderSize;
    *side.ring.SizeWord(offset) &= ~kBusyFlag;
    // The driver may take only the run of sent packets right after what it already has.
    while (side.published != side.tail) {
      uint32_t word = *side.ring.SizeWord(side.published);
      if ((word & kBusyFlag) != 0) break;
      side.published = (side.published + Footprint(word)) & side.ring.mask;
      moved = true;
    }
  }
  if (moved) SetEvent(session->sent_event);
}
