#include "adapter.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "logger.h"
#include "strict_mode.h"
#include "tun_device.h"
#include "win32_error.h"

namespace wintun_emu {

namespace {

constexpr size_t kMaxNameUnits = WINTUN_MAX_ADAPTER_NAME - 1;  // 127
constexpr size_t kMaxTunnelTypeUnits = WINTUN_MAX_ADAPTER_NAME;  // 128, as the DLL accepts
constexpr uint64_t kIfTypePropVirtual = 53;
constexpr uint32_t kDriverVersion = 0x000E;  // 0.14

std::vector<Device *> &presentDevices() {
  static std::vector<Device *> devices;
  return devices;
}

// Strict-mode tombstones of closed handles and ended sessions, kept reachable on purpose (and
// never destroyed, so they stay reachable for the leak checker at exit).
std::vector<void *> &tombstones() {
  static auto *kept = new std::vector<void *>();
  return *kept;
}

bool accessDeniedFromEnvironment() {
  const char *value = std::getenv("WINTUN_EMU_ACCESS_DENIED");
  return value != nullptr && value[0] != '\0' && std::strcmp(value, "0") != 0;
}

std::atomic<bool> &accessDeniedSwitch() {
  static std::atomic<bool> denied{accessDeniedFromEnvironment()};
  return denied;
}

bool isLinuxInterfaceName(const Utf16String &name) {
  if (name.empty() || name.size() > 15) return false;
  if (name == u"." || name == u"..") return false;
  for (char16_t c : name) {
    bool allowed = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                   (c >= u'0' && c <= u'9') || c == u'_' || c == u'.' || c == u'-';
    if (!allowed) return false;
  }
  return true;
}

GUID randomGuid() {
  GUID guid{};
  uint8_t bytes[16];
  if (getrandom(bytes, sizeof bytes, 0) != sizeof bytes) {
    for (auto &b : bytes) b = static_cast<uint8_t>(std::rand());
  }
  bytes[7] = static_cast<uint8_t>((bytes[7] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  std::memcpy(&guid.Data1, bytes, 4);
  std::memcpy(&guid.Data2, bytes + 4, 2);
  std::memcpy(&guid.Data3, bytes + 6, 2);
  std::memcpy(guid.Data4, bytes + 8, 8);
  return guid;
}

Device *findPresent(const Utf16String &name) {
  for (Device *device : presentDevices()) {
    if (utf16EqualIgnoringCase(device->name, name)) return device;
  }
  return nullptr;
}

// Windows gives the new adapter the requested name and renames the older holder "<Name> N".
void renameOlderHolder(const Utf16String &name) {
  Device *older = findPresent(name);
  if (older == nullptr) return;
  for (int n = 1; n <= 1000; ++n) {
    Utf16String candidate = name + u" " + utf8ToUtf16(std::to_string(n));
    if (findPresent(candidate) == nullptr) {
      logMessage(WINTUN_LOG_INFO, "Renaming adapter \"" + utf16ToUtf8(older->name) + "\" to \"" +
                                      utf16ToUtf8(candidate) + "\"");
      older->name = candidate;
      return;
    }
  }
}

void releaseHandle(Adapter *adapter) {
  Device *device = adapter->device;
  if (--device->handles == 0) delete device;
  adapter->device = nullptr;
  if (strictMode()) {
    adapter->state = AdapterState::Closed;
    tombstones().push_back(adapter);
  } else {
    delete adapter;
  }
}

void removeDevice(Device &device) {
  if (device.session != nullptr) {
    Session *session = device.session;
    logMessage(WINTUN_LOG_WARN, "Adapter \"" + utf16ToUtf8(device.name) +
                                    "\" removed with a session running; the session is closed");
    stopSessionDriver(*session);
    session->device = nullptr;
    device.session = nullptr;
  }
  close(device.tunFd);
  device.tunFd = -1;
  device.removed = true;
  auto &devices = presentDevices();
  devices.erase(std::remove(devices.begin(), devices.end(), &device), devices.end());
  logMessage(WINTUN_LOG_INFO, "Removed adapter \"" + utf16ToUtf8(device.name) + "\" (" +
                                  device.interfaceName + ")");
}

}  // namespace

std::mutex &registryLock() {
  static std::mutex lock;
  return lock;
}

bool accessAllowed() { return !accessDeniedSwitch().load() && processHasNetAdmin(); }

void setAccessDenied(bool denied) { accessDeniedSwitch().store(denied); }

Counters &adapterCounters(uint32_t ifIndex) {
  static std::mutex lock;
  static std::map<uint32_t, std::unique_ptr<Counters>> totals;
  std::lock_guard<std::mutex> guard(lock);
  std::unique_ptr<Counters> &found = totals[ifIndex];
  if (!found) found = std::make_unique<Counters>();
  return *found;
}

Adapter *createAdapter(const WINTUN_WCHAR *name, const WINTUN_WCHAR *tunnelType,
                       const GUID *requestedGuid) {
  if (name == nullptr || tunnelType == nullptr) {
    if (strictMode()) strictAbort("WintunCreateAdapter", "Name and TunnelType must not be NULL");
    failWith(WINTUN_ERROR_INVALID_PARAMETER, "Name and TunnelType must not be NULL");
    return nullptr;
  }
  std::lock_guard<std::mutex> guard(registryLock());
  if (!accessAllowed()) {
    failWith(WINTUN_ERROR_ACCESS_DENIED, "Failed to take device installation mutex");
    return nullptr;
  }
  size_t typeLength = utf16Length(tunnelType, kMaxTunnelTypeUnits);
  if (typeLength > kMaxTunnelTypeUnits) {
    failWith(WINTUN_ERROR_BUFFER_OVERFLOW, "Tunnel type too long");
    return nullptr;
  }
  size_t nameLength = utf16Length(name, kMaxNameUnits);
  if (nameLength > kMaxNameUnits) {
    failWith(WINTUN_ERROR_BUFFER_OVERFLOW, "Adapter name too long");
    return nullptr;
  }
  Utf16String wintunName = utf16Copy(name, nameLength);
  std::string preferred = isLinuxInterfaceName(wintunName) ? utf16ToUtf8(wintunName) : "";
  logMessage(WINTUN_LOG_INFO, "Creating adapter \"" + utf16ToUtf8(wintunName) + "\"");
  TunOpenResult tun = openTunInterface(preferred);
  if (tun.fd < 0) {
    failWith(tun.error, tun.failure);
    return nullptr;
  }
  renameOlderHolder(wintunName);
  auto *device = new Device();
  device->name = wintunName;
  device->tunnelType = utf16Copy(tunnelType, typeLength);
  device->guid = requestedGuid != nullptr ? *requestedGuid : randomGuid();
  device->interfaceName = tun.interfaceName;
  device->ifIndex = tun.ifIndex;
  device->luid = (kIfTypePropVirtual << 48) | (static_cast<uint64_t>(tun.ifIndex & 0xFFFFFF) << 24);
  device->tunFd = tun.fd;
  device->handles = 1;
  presentDevices().push_back(device);
  auto *adapter = new Adapter();
  adapter->device = device;
  adapter->owner = true;
  logMessage(WINTUN_LOG_INFO, "Created adapter \"" + utf16ToUtf8(wintunName) + "\" as " +
                                  tun.interfaceName + " (ifindex " + std::to_string(tun.ifIndex) +
                                  ")");
  return adapter;
}

Adapter *openAdapter(const WINTUN_WCHAR *name) {
  if (name == nullptr) {
    if (strictMode()) strictAbort("WintunOpenAdapter", "Name must not be NULL");
    failWith(WINTUN_ERROR_INVALID_PARAMETER, "Name must not be NULL");
    return nullptr;
  }
  std::lock_guard<std::mutex> guard(registryLock());
  if (!accessAllowed()) {
    failWith(WINTUN_ERROR_ACCESS_DENIED, "Failed to take device installation mutex");
    return nullptr;
  }
  Utf16String wanted = utf16Copy(name, utf16Length(name, kMaxNameUnits));
  Device *device = findPresent(wanted);
  if (device != nullptr && !tunInterfaceAttached(device->tunFd)) device = nullptr;
  if (device == nullptr) {
    failWith(WINTUN_ERROR_NOT_FOUND,
             "Failed to find matching adapter name \"" + utf16ToUtf8(wanted) + "\"");
    return nullptr;
  }
  ++device->handles;
  auto *adapter = new Adapter();
  adapter->device = device;
  adapter->owner = false;
  return adapter;
}

void closeAdapter(Adapter *adapter) {
  std::lock_guard<std::mutex> guard(registryLock());
  if (adapter->owner && !adapter->device->removed) removeDevice(*adapter->device);
  releaseHandle(adapter);
}

bool deleteDriver() {
  std::lock_guard<std::mutex> guard(registryLock());
  if (!accessAllowed()) {
    failWith(WINTUN_ERROR_ACCESS_DENIED, "Failed to take driver installation mutex");
    return false;
  }
  if (!presentDevices().empty()) {
    failWith(kErrorInfInUseByDevices, "Failed to remove driver: adapters still use it");
    return false;
  }
  return true;
}

uint32_t runningDriverVersion() {
  std::lock_guard<std::mutex> guard(registryLock());
  if (presentDevices().empty()) {
    failWith(WINTUN_ERROR_FILE_NOT_FOUND, "Wintun driver is not loaded");
    return 0;
  }
  return kDriverVersion;
}

Session *startAdapterSession(Adapter &adapter, uint32_t capacity) {
  std::lock_guard<std::mutex> guard(registryLock());
  Device &device = *adapter.device;
  if (!accessAllowed()) {
    failWith(WINTUN_ERROR_ACCESS_DENIED, "Failed to open adapter device object");
    return nullptr;
  }
  if (device.removed || !tunInterfaceAttached(device.tunFd)) {
    failWith(WINTUN_ERROR_FILE_NOT_FOUND, "Failed to open adapter device object: adapter is gone");
    return nullptr;
  }
  if (!isValidCapacity(capacity)) {
    failWith(WINTUN_ERROR_INVALID_PARAMETER, "Failed to register rings: bad capacity");
    return nullptr;
  }
  if (device.session != nullptr) {
    failWith(WINTUN_ERROR_ALREADY_INITIALIZED, "Failed to register rings: a session is running");
    return nullptr;
  }
  Session *session = startSession(device, capacity);
  if (session == nullptr) return nullptr;
  device.session = session;
  logMessage(WINTUN_LOG_INFO, "Session started on \"" + utf16ToUtf8(device.name) + "\" (" +
                                  device.interfaceName + ")");
  return session;
}

void endSession(Session *session) {
  bool keepTombstone = false;
  {
    std::lock_guard<std::mutex> guard(registryLock());
    stopSessionDriver(*session);
    if (session->device != nullptr) {
      logMessage(WINTUN_LOG_INFO, "Session ended on \"" + utf16ToUtf8(session->device->name) +
                                      "\" (" + session->device->interfaceName + ")");
      session->device->session = nullptr;
      session->device = nullptr;
    } else {
      logMessage(WINTUN_LOG_INFO, "Session ended");
    }
    keepTombstone = strictMode();
    if (keepTombstone) tombstones().push_back(session);
  }
  freeSession(session, keepTombstone);
}

}  // namespace wintun_emu
