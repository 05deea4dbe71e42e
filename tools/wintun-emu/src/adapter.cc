#include "adapter.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "interface_names.h"
#include "logger.h"
#include "namespace_lock.h"
#include "rtnetlink.h"
#include "strict_mode.h"
#include "tun_device.h"
#include "win32_error.h"

namespace wintun_emu {

namespace {

constexpr size_t kMaxNameUnits = WINTUN_MAX_ADAPTER_NAME - 1;  // 127
constexpr size_t kMaxTunnelTypeUnits = WINTUN_MAX_ADAPTER_NAME;  // 128, as the DLL accepts
constexpr uint64_t kIfTypePropVirtual = 53;
constexpr uint32_t kDriverVersion = 0x000E;  // 0.14
constexpr int kInterfaceNameAttempts = 99;
constexpr int kMaxNameSuffix = 1000;  // wintun.dll tries "<Name> 1" to "<Name> 1000"
// wintun.dll's "Wintun\Wintun-Device-Installation-Mutex", for this namespace.
constexpr const char *kInstallationLock = "device-installation";

// Every Device this process holds a handle to, created here or opened from another process.
std::vector<Device *> &knownDevices() {
  static std::vector<Device *> devices;
  return devices;
}

// Strict-mode tombstones of closed handles and ended sessions, kept reachable on purpose (and
// never destroyed, so they stay reachable for the leak checker at exit).
std::vector<void *> &tombstones() {
  static auto *kept = new std::vector<void *>();
  return *kept;
}

// Only a test build reads the switch from the environment (CMake's WINTUN_EMU_TEST_HOOKS).
bool accessDeniedFromEnvironment() {
#if WINTUN_EMU_TEST_HOOKS
  const char *value = std::getenv("WINTUN_EMU_ACCESS_DENIED");
  return value != nullptr && value[0] != '\0' && std::strcmp(value, "0") != 0;
#else
  return false;
#endif
}

std::atomic<bool> &accessDeniedSwitch() {
  static std::atomic<bool> denied{accessDeniedFromEnvironment()};
  return denied;
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

uint64_t luidOf(uint32_t ifIndex) {
  return (kIfTypePropVirtual << 48) | (static_cast<uint64_t>(ifIndex & 0xFFFFFF) << 24);
}

Device *knownDevice(uint32_t ifIndex) {
  for (Device *device : knownDevices()) {
    if (!device->removed && device->ifIndex == ifIndex) return device;
  }
  return nullptr;
}

// Whether this process holds a handle to an adapter that still exists: what "the driver is
// loaded" means here (on Windows: any adapter, system-wide). Processes that share a namespace,
// as test files running side by side do, do not see each other's driver.
bool holdsAdapter() {
  for (const Device *device : knownDevices()) {
    if (!device->removed && interfacePresent(device->ifIndex, device->interfaceName)) return true;
  }
  return false;
}

// The mark of a created adapter, bound by its creator for as long as the adapter exists. An
// interface's shape and alias can be copied by anything that makes TUN interfaces, and a
// persistent device from `ip tuntap add` outlives whoever made it; a bound name in the namespace
// cannot be left behind, since the kernel unbinds it when the creator exits. Interface indexes
// are not reused while the namespace lives, so the index names the interface.
std::string creatorMarkName(uint32_t ifIndex) { return "adapter:" + std::to_string(ifIndex); }

// Whether this library made the interface: adapter-shaped, and marked by its creator (in this
// process or another). Nothing else is ever attached to, renamed, configured or deleted.
bool libraryMade(const AdapterInterface &candidate) {
  if (!candidate.adapterShaped) return false;
  return knownDevice(candidate.ifIndex) != nullptr ||
         NamespaceLock::heldByAnyone(creatorMarkName(candidate.ifIndex));
}

// The adapters of the namespace, in the kernel's order.
std::vector<AdapterInterface> libraryAdapters(std::vector<AdapterInterface> interfaces) {
  std::vector<AdapterInterface> made;
  for (AdapterInterface &candidate : interfaces) {
    if (libraryMade(candidate)) made.push_back(std::move(candidate));
  }
  return made;
}

const AdapterInterface *holderOf(const std::vector<AdapterInterface> &interfaces,
                                 const Utf16String &name) {
  for (const AdapterInterface &candidate : interfaces) {
    if (aliasNames(candidate.alias, name)) return &candidate;
  }
  return nullptr;
}

// An interface this library did not make that goes by the adapter name `name`: it has the
// interface name an adapter of that name asks for, or (`byAlias`) that name as its alias.
const AdapterInterface *foreignInterfaceNamed(const std::vector<AdapterInterface> &interfaces,
                                              const Utf16String &name, bool byAlias) {
  std::string interfaceName = linuxInterfaceName(name);
  for (const AdapterInterface &candidate : interfaces) {
    bool named = candidate.name == interfaceName || (byAlias && aliasNames(candidate.alias, name));
    if (named && !libraryMade(candidate)) return &candidate;
  }
  return nullptr;
}

void refuseForeign(const AdapterInterface &foreign) {
  failWith(WINTUN_ERROR_ALREADY_EXISTS,
           "Interface " + foreign.name +
               " exists and was not created by wintun (or its creator has exited); it is left "
               "untouched: choose another adapter name, or delete that interface");
}

// The interface for a new adapter: its derived name, else that name with "-1" to "-99", else
// whatever "wintun%d" the kernel numbers.
TunOpenResult createNamedInterface(const Utf16String &name) {
  std::string preferred = linuxInterfaceName(name);
  TunOpenResult tun = createTunInterface(preferred);
  for (int attempt = 1; tun.fd < 0 && tun.nameTaken && attempt <= kInterfaceNameAttempts;
       ++attempt) {
    tun = createTunInterface(linuxInterfaceNameAlternative(preferred, attempt));
  }
  if (tun.fd < 0 && tun.nameTaken) tun = createTunInterface("wintun%d");
  return tun;
}

// Windows gives the new adapter the requested name and renames the older holder, in whichever
// process, "<Name> N". As in wintun.dll, a proposal longer than a name may be fails the creation
// (false: the caller reports ERROR_BUFFER_OVERFLOW).
bool renameOlderHolder(const Utf16String &name) {
  std::vector<AdapterInterface> interfaces = libraryAdapters(listInterfaces());
  const AdapterInterface *older = holderOf(interfaces, name);
  if (older == nullptr) return true;
  for (int n = 1; n <= kMaxNameSuffix; ++n) {
    Utf16String candidate = name + u" " + utf8ToUtf16(std::to_string(n));
    if (candidate.size() > kMaxNameUnits) return false;
    if (holderOf(interfaces, candidate) != nullptr) continue;
    logMessage(WINTUN_LOG_INFO, "Renaming adapter \"" + older->alias + "\" (" + older->name +
                                    ") to \"" + utf16ToUtf8(candidate) + "\"");
    int error = setInterfaceAlias(older->ifIndex, aliasForName(candidate));
    if (error != 0) {
      logMessage(WINTUN_LOG_WARN, "Failed to set foreign adapter name: " +
                                      std::string(std::strerror(error)));
    } else if (Device *local = knownDevice(older->ifIndex)) {
      local->name = candidate;
    }
    return true;
  }
  return true;
}

void releaseHandle(Adapter *adapter) {
  Device *device = adapter->device;
  if (--device->handles == 0) {
    auto &devices = knownDevices();
    devices.erase(std::remove(devices.begin(), devices.end(), device), devices.end());
    delete device;
  }
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
  // Deleted outright: a session another process runs holds a queue that would keep it.
  int error = deleteInterface(device.ifIndex);
  if (error != 0 && error != ENODEV) {
    logMessage(WINTUN_LOG_WARN, "Failed to delete interface " + device.interfaceName + ": " +
                                    std::strerror(error));
  }
  close(device.tunFd);
  device.tunFd = -1;
  device.creatorMark.release();
  device.removed = true;
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
  NamespaceLock installation;
  if (!installation.take(kInstallationLock)) {
    failWith(WINTUN_ERROR_NOT_ENOUGH_MEMORY, "Failed to take device installation mutex");
    return nullptr;
  }
  Utf16String wintunName = utf16Copy(name, nameLength);
  logMessage(WINTUN_LOG_INFO, "Creating adapter \"" + utf16ToUtf8(wintunName) + "\"");
  // An interface someone else made under the name this adapter asks for (a persistent TUN from
  // `ip tuntap add`, a VPN's device) is refused rather than worked around with "-1": a program
  // or person configuring that name would otherwise reach the wrong interface. Creation itself
  // never attaches to an existing interface (IFF_TUN_EXCL), even one made in between.
  std::vector<AdapterInterface> present = listInterfaces();
  if (const AdapterInterface *foreign = foreignInterfaceNamed(present, wintunName, false)) {
    refuseForeign(*foreign);
    return nullptr;
  }
  TunOpenResult tun = createNamedInterface(wintunName);
  if (tun.fd < 0) {
    failWith(tun.error, tun.failure);
    return nullptr;
  }
  NamespaceLock creatorMark;
  if (!creatorMark.tryTake(creatorMarkName(tun.ifIndex))) {
    close(tun.fd);
    failWith(WINTUN_ERROR_DEVICE_NOT_AVAILABLE,
             "Failed to mark interface " + tun.interfaceName + " as this adapter's");
    return nullptr;
  }
  // As in wintun.dll, the device exists before it is named; failing to name it removes it.
  if (!renameOlderHolder(wintunName)) {
    close(tun.fd);
    failWith(WINTUN_ERROR_BUFFER_OVERFLOW, "Failed to set adapter name \"" +
                                               utf16ToUtf8(wintunName) + "\": no room for a suffix");
    return nullptr;
  }
  int aliasError = setInterfaceAlias(tun.ifIndex, aliasForName(wintunName));
  if (aliasError != 0) {
    close(tun.fd);
    failWith(WINTUN_ERROR_DEVICE_NOT_AVAILABLE,
             "Failed to set adapter name: " + std::string(std::strerror(aliasError)));
    return nullptr;
  }
  auto *device = new Device();
  device->name = wintunName;
  device->guid = requestedGuid != nullptr ? *requestedGuid : randomGuid();
  device->guidKnown = true;
  device->interfaceName = tun.interfaceName;
  device->ifIndex = tun.ifIndex;
  device->luid = luidOf(tun.ifIndex);
  device->tunFd = tun.fd;
  device->creatorMark = std::move(creatorMark);
  device->handles = 1;
  knownDevices().push_back(device);
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
  NamespaceLock installation;
  if (!installation.take(kInstallationLock)) {
    failWith(WINTUN_ERROR_NOT_ENOUGH_MEMORY, "Failed to take device installation mutex");
    return nullptr;
  }
  Utf16String wanted = utf16Copy(name, utf16Length(name, kMaxNameUnits));
  std::vector<AdapterInterface> interfaces = listInterfaces();
  std::vector<AdapterInterface> adapters = libraryAdapters(interfaces);
  const AdapterInterface *found = holderOf(adapters, wanted);
  // An interface of that name that is not an adapter: on Windows OpenAdapter finds only Wintun
  // devices, and wintun 0.13 answered ERROR_ALREADY_EXISTS for "exists but not Wintun". Saying
  // so beats ERROR_NOT_FOUND, after which a caller would create "<name>" and get refused anyway.
  const AdapterInterface *foreign =
      found == nullptr ? foreignInterfaceNamed(interfaces, wanted, true) : nullptr;
  if (foreign != nullptr) {
    refuseForeign(*foreign);
    return nullptr;
  }
  if (found == nullptr) {
    failWith(WINTUN_ERROR_NOT_FOUND,
             "Failed to find matching adapter name \"" + utf16ToUtf8(wanted) + "\"");
    return nullptr;
  }
  Device *device = knownDevice(found->ifIndex);
  if (device == nullptr) {
    device = new Device();
    device->name = wanted;
    device->interfaceName = found->name;
    device->ifIndex = found->ifIndex;
    device->luid = luidOf(found->ifIndex);
    knownDevices().push_back(device);
  }
  ++device->handles;
  auto *adapter = new Adapter();
  adapter->device = device;
  adapter->owner = false;
  return adapter;
}

// As WintunCloseAdapter, without the device-installation mutex: a session being stopped here
// must not hold up adapter calls in other processes.
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
  if (holdsAdapter()) {
    failWith(kErrorInfInUseByDevices, "Failed to remove driver: adapters still use it");
    return false;
  }
  return true;
}

uint32_t runningDriverVersion() {
  std::lock_guard<std::mutex> guard(registryLock());
  if (!holdsAdapter()) {
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
  if (device.removed || !interfacePresent(device.ifIndex, device.interfaceName)) {
    failWith(WINTUN_ERROR_FILE_NOT_FOUND, "Failed to open adapter device object: adapter is gone");
    return nullptr;
  }
  if (!isValidCapacity(capacity)) {
    failWith(WINTUN_ERROR_INVALID_PARAMETER, "Failed to register rings: bad capacity");
    return nullptr;
  }
  // The driver registers one pair of rings per adapter, whichever process asks.
  NamespaceLock registration;
  if (device.session != nullptr ||
      !registration.tryTake("session:" + std::to_string(device.ifIndex))) {
    failWith(WINTUN_ERROR_ALREADY_INITIALIZED, "Failed to register rings: a session is running");
    return nullptr;
  }
  uint32_t queueError = 0;
  int queue = openTunQueue(device.interfaceName, device.ifIndex, &queueError);
  if (queue < 0) {
    failWith(queueError, "Failed to open adapter device object");
    return nullptr;
  }
  Session *session = startSession(device, capacity, queue, std::move(registration));
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
