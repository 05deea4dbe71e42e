// The emulator-only exports of tap_windows_emu.h: adapter life cycle (tapctl's job on Windows),
// counters, strict mode and the test hooks.
#include <cstdio>
#include <cstring>
#include <string>

#include "adapters.h"
#include "device.h"
#include "strict_mode.h"

#define TAP_EMU_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

constexpr size_t kMaxAdapterName = 255;  // the friendly-name limit ifAlias has on Windows

std::string guidText(const char *guid) { return guid != nullptr ? std::string(guid) : std::string(); }

#if TAP_EMU_TEST_HOOKS
std::shared_ptr<tap_emu::Adapter> adapterFor(const char *guid) {
  return tap_emu::findAdapter(guidText(guid));
}
#endif

}  // namespace

TAP_EMU_EXPORT DWORD TapEmuCreateAdapter(const WCHAR *name, const char *componentId,
                                         char guidOut[TAP_EMU_GUID_STRING_LENGTH]) {
  if (name == nullptr || name[0] == 0 || guidOut == nullptr) return ERROR_INVALID_PARAMETER;
  std::u16string text;
  for (size_t i = 0; name[i] != 0; ++i) {
    if (i == kMaxAdapterName) return ERROR_INVALID_PARAMETER;
    text.push_back(name[i]);
  }
  std::string guid;
  DWORD status = tap_emu::createAdapter(
      text, componentId != nullptr ? componentId : TAP_WIN_COMPONENT_ID, &guid);
  if (status == ERROR_SUCCESS) std::memcpy(guidOut, guid.c_str(), TAP_EMU_GUID_STRING_LENGTH);
  return status;
}

TAP_EMU_EXPORT DWORD TapEmuDeleteAdapter(const char *guid) {
  return tap_emu::deleteAdapter(guidText(guid));
}

TAP_EMU_EXPORT DWORD TapEmuSetAdapterEnabled(const char *guid, bool enabled) {
  return tap_emu::setAdapterEnabled(guidText(guid), enabled);
}

TAP_EMU_EXPORT bool TapEmuGetInterfaceName(const char *guid, char ifname[16]) {
  auto adapter = tap_emu::findAdapter(guidText(guid));
  if (adapter == nullptr || ifname == nullptr) return false;
  std::lock_guard<std::mutex> lock(adapter->mutex);
  if (adapter->ifname.empty()) return false;
  std::snprintf(ifname, 16, "%s", adapter->ifname.c_str());
  return true;
}

TAP_EMU_EXPORT void TapEmuSetDriverVersion(uint32_t major, uint32_t minor, uint32_t debug) {
  tap_emu::setDriverVersion(TapWinVersion{major, minor, debug});
}

TAP_EMU_EXPORT void TapEmuSetDriverMtu(uint32_t mtu) { tap_emu::setDriverMtu(mtu); }

TAP_EMU_EXPORT bool TapEmuGetCounters(const char *guid, TapEmuCounters *counters) {
  auto adapter = tap_emu::findAdapter(guidText(guid));
  if (adapter == nullptr || counters == nullptr) return false;
  const tap_emu::AdapterCounters &c = adapter->counters;
  counters->framesFromStack = c.framesFromStack.load();
  counters->packetsToReader = c.packetsToReader.load();
  counters->queueOverflowDrops = c.queueOverflowDrops.load();
  counters->filteredDrops = c.filteredDrops.load();
  counters->oversizeDrops = c.oversizeDrops.load();
  counters->moreDataDiscards = c.moreDataDiscards.load();
  counters->arpReplies = c.arpReplies.load();
  counters->neighborAdvertisements = c.neighborAdvertisements.load();
  counters->writesToStack = c.writesToStack.load();
  counters->closedWithPendingIo = c.closedWithPendingIo.load();
  return true;
}

TAP_EMU_EXPORT void TapEmuSetStrictMode(bool enabled) { tap_emu::setStrictMode(enabled); }

TAP_EMU_EXPORT uint32_t TapEmuStrictViolationCount(void) { return tap_emu::strictWarningCount(); }

TAP_EMU_EXPORT void TapEmuLastStrictViolation(char *buffer, uint32_t capacity) {
  if (buffer == nullptr || capacity == 0) return;
  std::snprintf(buffer, capacity, "%s", tap_emu::lastStrictWarning().c_str());
}

TAP_EMU_EXPORT bool TapEmuFaultRemoveOnNextFrame(const char *guid) {
#if TAP_EMU_TEST_HOOKS
  auto adapter = adapterFor(guid);
  if (adapter == nullptr) return false;
  adapter->faults.removeOnNextFrame.store(true);
  return true;
#else
  (void)guid;
  return false;
#endif
}

TAP_EMU_EXPORT bool TapEmuFaultLimitReadBuffers(const char *guid, uint32_t bytes) {
#if TAP_EMU_TEST_HOOKS
  auto adapter = adapterFor(guid);
  if (adapter == nullptr) return false;
  adapter->faults.readBufferLimit.store(bytes);
  return true;
#else
  (void)guid;
  (void)bytes;
  return false;
#endif
}

TAP_EMU_EXPORT bool TapEmuFaultHoldCompletions(const char *guid, bool hold) {
#if TAP_EMU_TEST_HOOKS
  auto adapter = adapterFor(guid);
  if (adapter == nullptr) return false;
  adapter->faults.holdCompletions.store(hold);
  if (!hold) {
    std::shared_ptr<tap_emu::OpenDevice> device;
    {
      std::lock_guard<std::mutex> lock(adapter->mutex);
      device = adapter->holder.lock();
    }
    if (device != nullptr) device->releaseHeld();
  }
  return true;
#else
  (void)guid;
  (void)hold;
  return false;
#endif
}
