// JavaScript class `NativeTapDevice`: one open TAP-Windows device, from open to session.
//
//   tapLibrary.openDevice(guid: string): NativeTapDevice
//        CreateFileW on \\.\Global\{GUID}.tap as OpenVPN opens it (B.2), then GET_VERSION (a
//        driver below 9.9 is refused with ERROR_NOT_SUPPORTED, as OpenVPN refuses it), GET_MTU
//        and GET_MAC. Throws the Win32 error of the step that failed (`call` names it).
//   info(): { driverVersion: { major, minor, debug }, mtu: number, mac: string }
//   configureTun(local: Uint8Array(4), network: Uint8Array(4), netmask: Uint8Array(4)): void
//        CONFIG_TUN (B.3/B.4): TUN mode, the driver answering ARP for network/netmask but local
//   setMediaStatus(connected: boolean): void        SET_MEDIA_STATUS (B.3)
//   startSession(...): NativeSession   as adapter.startSession (session_binding.h), over the
//        device's overlapped reads and writes (tap_packet_ring.h); the session owns the handle
//        from then on and closes it when it ends
//   close(): void    closes the handle unless a session owns it; idempotent
#pragma once

#include <napi.h>

#include <memory>

#include "tap_library.h"

namespace magma::tap {

class TapDeviceBinding : public Napi::ObjectWrap<TapDeviceBinding> {
 public:
  static void Register(Napi::Env env);
  // The NativeTapDevice for `guid`; called by NativeTapLibrary.openDevice.
  static Napi::Value Open(Napi::Env env, std::shared_ptr<const TapLibrary> library, const std::string& guid);
  explicit TapDeviceBinding(const Napi::CallbackInfo& info);
  ~TapDeviceBinding() override;

 private:
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value ConfigureTun(const Napi::CallbackInfo& info);
  Napi::Value SetMediaStatus(const Napi::CallbackInfo& info);
  Napi::Value StartSession(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  static void CleanupAtExit(void* self);
  void CloseHandle();
  HANDLE OpenHandle(Napi::Env env) const;
  // One METHOD_BUFFERED IOCTL; throws its Win32 error naming `call`.
  void Control(Napi::Env env, DWORD code, void* buffer, DWORD size, const char* call) const;

  std::shared_ptr<const TapLibrary> library_;
  HANDLE device_ = INVALID_HANDLE_VALUE;
  napi_env env_ = nullptr;
  TapWinVersion version_{};
  uint32_t mtu_ = 0;
  uint8_t mac_[6] = {};
};

}  // namespace magma::tap
