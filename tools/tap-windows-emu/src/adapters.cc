#include "adapters.h"

#include <unistd.h>

#include <cstdio>
#include <random>
#include <vector>

#include "device.h"
#include "registry.h"
#include "tap_interface.h"
#include "utf16.h"  // tools/wintun-emu

namespace tap_emu {

namespace {

struct AdapterList {
  std::mutex mutex;
  std::vector<std::shared_ptr<Adapter>> adapters;
  uint32_t nextClassIndex = 1;  // 0000 is the machine's own NIC, below
  TapWinVersion version{9, 27, 0};
  uint32_t mtu = 1500;
};

AdapterList &list() {
  static AdapterList instance;
  return instance;
}

std::string upper(std::string text) {
  for (char &c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

std::u16string ascii16(const std::string &text) { return std::u16string(text.begin(), text.end()); }

// The class key always holds more than TAP adapters: a physical NIC whose ComponentId is no TAP
// id, and "Properties", which ordinary callers cannot open (OpenVPN skips both, B.1).
void makeMachineBaseline() {
  static std::once_flag once;
  std::call_once(once, [] {
    std::string nic = std::string(TAP_WIN_ADAPTER_KEY) + "\\0000";
    registrySetString(nic, u"ComponentId", u"pci\\ven_8086&dev_100e");
    registrySetString(nic, u"NetCfgInstanceId", u"{6B0C5D0F-0D8B-4B1A-9E43-000000000001}");
    registryMakeUnreadableKey(std::string(TAP_WIN_ADAPTER_KEY) + "\\Properties");
  });
}

std::string randomGuid(uint8_t bytes[16]) {
  static std::mutex mutex;
  static std::random_device device;
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (int i = 0; i < 16; i += 4) {
      uint32_t word = device();
      for (int j = 0; j < 4; ++j) bytes[i + j] = static_cast<uint8_t>(word >> (8 * j));
    }
  }
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0F) | 0x40);  // RFC 4122 version 4
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3F) | 0x80);
  char text[TAP_EMU_GUID_STRING_LENGTH];
  std::snprintf(text, sizeof text,
                "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14],
                bytes[15]);
  return text;
}

std::string connectionKey(const std::string &guid) {
  return std::string(TAP_WIN_NETWORK_CONNECTIONS_KEY) + "\\" + guid;
}

// Stops the adapter's device: an open handle loses it (pending reads abort), then the interface
// goes. The caller has already marked the adapter deleted or disabled under its mutex.
void takeDown(const std::shared_ptr<Adapter> &adapter, std::shared_ptr<OpenDevice> holder,
              bool fromIoThread) {
  if (holder != nullptr) holder->adapterGone(fromIoThread);
  std::lock_guard<std::mutex> lock(adapter->mutex);
  if (adapter->fd >= 0) close(adapter->fd);
  adapter->fd = -1;
  adapter->ifname.clear();
}

DWORD bringUp(Adapter &adapter) {
  std::string wanted = wintun_emu::utf16ToUtf8(adapter.name);
  TapInterface made = createTapInterface(wanted, adapter.mac, adapter.mtu);
  if (made.fd < 0) return made.error;
  adapter.fd = made.fd;
  adapter.ifname = made.name;
  return ERROR_SUCCESS;
}

DWORD removeAdapter(const std::string &guid, bool fromIoThread) {
  AdapterList &l = list();
  std::shared_ptr<Adapter> adapter;
  {
    std::lock_guard<std::mutex> lock(l.mutex);
    for (auto it = l.adapters.begin(); it != l.adapters.end(); ++it) {
      if ((*it)->guid == upper(guid)) {
        adapter = *it;
        l.adapters.erase(it);
        break;
      }
    }
  }
  if (adapter == nullptr) return ERROR_NOT_FOUND;
  std::shared_ptr<OpenDevice> holder;
  {
    std::lock_guard<std::mutex> lock(adapter->mutex);
    adapter->present = false;
    holder = adapter->holder.lock();
  }
  registryDeleteTree(adapter->classKey);
  registryDeleteTree(connectionKey(adapter->guid));
  takeDown(adapter, holder, fromIoThread);
  return ERROR_SUCCESS;
}

}  // namespace

DWORD createAdapter(const std::u16string &name, const std::string &componentId, std::string *guid) {
  makeMachineBaseline();
  auto adapter = std::make_shared<Adapter>();
  uint8_t bytes[16];
  adapter->guid = randomGuid(bytes);
  adapter->name = name;
  adapter->componentId = componentId;
  // tap-windows6 without a NetworkAddress value: 00:FF followed by bytes of the GUID (B.3).
  adapter->mac[0] = 0x00;
  adapter->mac[1] = 0xFF;
  for (int i = 0; i < 4; ++i) adapter->mac[2 + i] = bytes[i];
  if (adapter->mac[2] == 0xFF) adapter->mac[2] = 0xFE;  // keep byte 2 + 1 (the remote MAC) distinct
  AdapterList &l = list();
  uint32_t classIndex;
  {
    std::lock_guard<std::mutex> lock(l.mutex);
    adapter->mtu = l.mtu;
    classIndex = l.nextClassIndex++;
  }
  DWORD error = bringUp(*adapter);
  if (error != ERROR_SUCCESS) return error;
  char index[8];
  std::snprintf(index, sizeof index, "%04u", classIndex);
  adapter->classKey = std::string(TAP_WIN_ADAPTER_KEY) + "\\" + index;
  registrySetString(adapter->classKey, u"ComponentId", ascii16(componentId));
  registrySetString(adapter->classKey, u"NetCfgInstanceId", ascii16(adapter->guid));
  registrySetString(adapter->classKey, u"DriverDesc", u"TAP-Windows Adapter V9");
  registrySetString(connectionKey(adapter->guid) + "\\Connection", u"Name", name);
  {
    std::lock_guard<std::mutex> lock(l.mutex);
    l.adapters.push_back(adapter);
  }
  *guid = adapter->guid;
  return ERROR_SUCCESS;
}

DWORD deleteAdapter(const std::string &guid) { return removeAdapter(guid, false); }

void deleteAdapterFromIoThread(const std::string &guid) { removeAdapter(guid, true); }

DWORD setAdapterEnabled(const std::string &guid, bool enabled) {
  std::shared_ptr<Adapter> adapter = findAdapter(guid);
  if (adapter == nullptr) return ERROR_NOT_FOUND;
  std::shared_ptr<OpenDevice> holder;
  {
    std::lock_guard<std::mutex> lock(adapter->mutex);
    if (adapter->enabled == enabled) return ERROR_SUCCESS;
    adapter->enabled = enabled;
    if (enabled) return bringUp(*adapter);
    holder = adapter->holder.lock();
  }
  takeDown(adapter, holder, false);
  return ERROR_SUCCESS;
}

std::shared_ptr<Adapter> findAdapter(const std::string &guid) {
  AdapterList &l = list();
  std::lock_guard<std::mutex> lock(l.mutex);
  for (const auto &adapter : l.adapters) {
    if (adapter->guid == upper(guid)) return adapter;
  }
  return nullptr;
}

TapWinVersion driverVersion() {
  AdapterList &l = list();
  std::lock_guard<std::mutex> lock(l.mutex);
  return l.version;
}

void setDriverVersion(const TapWinVersion &version) {
  AdapterList &l = list();
  std::lock_guard<std::mutex> lock(l.mutex);
  l.version = version;
}

void setDriverMtu(uint32_t mtu) {
  AdapterList &l = list();
  std::lock_guard<std::mutex> lock(l.mutex);
  l.mtu = mtu < 576 ? 576 : mtu > 65536 ? 65536 : mtu;  // the driver's clamp (B.5)
}

}  // namespace tap_emu
