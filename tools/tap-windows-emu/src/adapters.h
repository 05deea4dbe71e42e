// The adapters of this process: what tapctl (SetupAPI) makes and removes on Windows. Each has a
// class-key instance (Class\{4D36E972-...}\NNNN with ComponentId and NetCfgInstanceId) and a
// Connection\Name under the network key (reference B.1), a Linux TAP interface while enabled,
// and at most one open handle (B.2, exclusive open).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "tap_windows_emu.h"

namespace tap_emu {

class OpenDevice;

struct AdapterCounters {
  std::atomic<uint64_t> framesFromStack{0};
  std::atomic<uint64_t> packetsToReader{0};
  std::atomic<uint64_t> queueOverflowDrops{0};
  std::atomic<uint64_t> filteredDrops{0};
  std::atomic<uint64_t> oversizeDrops{0};
  std::atomic<uint64_t> moreDataDiscards{0};
  std::atomic<uint64_t> arpReplies{0};
  std::atomic<uint64_t> neighborAdvertisements{0};
  std::atomic<uint64_t> writesToStack{0};
  std::atomic<uint64_t> closedWithPendingIo{0};
};

// Test hooks (TAP_EMU_TEST_HOOKS): read by the device on every frame or read.
struct AdapterFaults {
  std::atomic<bool> removeOnNextFrame{false};
  std::atomic<uint32_t> readBufferLimit{0};
  std::atomic<bool> holdCompletions{false};
};

struct Adapter {
  std::string guid;  // "{XXXXXXXX-...}", upper-case hex
  std::u16string name;
  std::string componentId;
  std::string classKey;  // registry path of its Class\...\NNNN instance
  uint8_t mac[6] = {};
  uint32_t mtu = 1500;
  AdapterCounters counters;
  AdapterFaults faults;

  std::mutex mutex;  // guards the members below
  bool present = true;  // false once deleted
  bool enabled = true;
  int fd = -1;  // the TAP interface, while enabled
  std::string ifname;
  std::weak_ptr<OpenDevice> holder;  // the one open handle (B.2)
};

DWORD createAdapter(const std::u16string &name, const std::string &componentId, std::string *guid);
DWORD deleteAdapter(const std::string &guid);
DWORD setAdapterEnabled(const std::string &guid, bool enabled);
// Called by a device's I/O thread for the remove-on-next-frame fault: like deleteAdapter, but it
// must not wait for that thread.
void deleteAdapterFromIoThread(const std::string &guid);
// Case-insensitive; nullptr when no adapter (deleted ones included) has that GUID.
std::shared_ptr<Adapter> findAdapter(const std::string &guid);

TapWinVersion driverVersion();
void setDriverVersion(const TapWinVersion &version);
void setDriverMtu(uint32_t mtu);

}  // namespace tap_emu
