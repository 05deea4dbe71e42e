// JavaScript class `NativeAdapter`: owns one WINTUN_ADAPTER_HANDLE. Closing is idempotent; an
// adapter left open when the environment shuts down is closed by a cleanup hook.
#pragma once

#include <napi.h>

#include <memory>

#include "../library/wintun_library.h"

namespace magma::wintun {

class AdapterBinding : public Napi::ObjectWrap<AdapterBinding> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  static Napi::Object NewInstance(Napi::Env env, std::shared_ptr<const WintunApi> api, WINTUN_ADAPTER_HANDLE handle);
  explicit AdapterBinding(const Napi::CallbackInfo& info);
  ~AdapterBinding() override;

  const std::shared_ptr<const WintunApi>& api() const { return api_; }
  WINTUN_ADAPTER_HANDLE handle() const { return handle_; }

 private:
  // luid(): bigint
  Napi::Value Luid(const Napi::CallbackInfo& info);
  // interfaceIndex(): number (IfIndex on Windows, ifindex on Linux)
  Napi::Value InterfaceIndex(const Napi::CallbackInfo& info);
  // interfaceName(): string (the interface alias on Windows, the interface name on Linux)
  Napi::Value InterfaceName(const Napi::CallbackInfo& info);
  // interfaceStatistics(): { rxPackets, rxBytes, rxDropped, rxErrors, txPackets, txBytes,
  // txDropped, txErrors } (see ../interface/interface_info.h)
  Napi::Value InterfaceStatistics(const Napi::CallbackInfo& info);
  // close(): void
  Napi::Value Close(const Napi::CallbackInfo& info);
  // startSession(capacity, slabs, slotTable, deliveries, refill, config, onMessage): NativeSession
  // (see session_binding.h)
  Napi::Value StartSession(const Napi::CallbackInfo& info);
  void CloseHandle();
  uint64_t OpenLuid(Napi::Env env) const;
  static void CleanupAtExit(void* self);

  std::shared_ptr<const WintunApi> api_;
  WINTUN_ADAPTER_HANDLE handle_ = nullptr;
  napi_env env_ = nullptr;
};

}  // namespace magma::wintun
