// JavaScript class `NativeTapLibrary`: one TAP-Windows function table (the system's on Windows,
// the emulator's on Linux) and what @magma/tap-legacy does with it: list the adapters the
// registry names, and make, remove, enable and disable adapters (SetupAPI on Windows, the
// emulator on Linux). They run on the calling thread: listing is short (registry reads,
// an open and three IOCTLs per adapter); making an adapter on Windows waits for the network setup
// and netsh as tapctl does, each wait bounded at 30 s (tap_setupapi_windows.cc).
#pragma once

#include <napi.h>

#include <map>
#include <memory>

#include "tap_library.h"

namespace magma::tap {

class TapLibraryBinding : public Napi::ObjectWrap<TapLibraryBinding> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit TapLibraryBinding(const Napi::CallbackInfo& info);
  ~TapLibraryBinding() override;

 private:
  // loadTapLibrary(path: string): NativeTapLibrary (throws the load error)
  static Napi::Value Load(const Napi::CallbackInfo& info);
  // listAdapters(probe = true): NativeTapAdapterRecord[] (throws the registry's error); with
  // probe false, only what the registry and the interface say (no device opened: no openError,
  // driverVersion, mtu or mac)
  Napi::Value ListAdapters(const Napi::CallbackInfo& info);
  // createAdapter(name: string, componentId: string | null): string (the GUID)
  Napi::Value CreateAdapter(const Napi::CallbackInfo& info);
  // deleteAdapter(guid: string): void
  Napi::Value DeleteAdapter(const Napi::CallbackInfo& info);
  // setAdapterEnabled(guid: string, enabled: boolean): void
  Napi::Value SetAdapterEnabled(const Napi::CallbackInfo& info);
  // openDevice(guid: string): NativeTapDevice (tap_device_binding.h)
  Napi::Value OpenDevice(const Napi::CallbackInfo& info);
  // Test hooks: hold an adapter's device open as another program would (B.2 exclusive open).
  // holdDevice(guid: string): number; releaseDevice(id: number): void
  Napi::Value HoldDevice(const Napi::CallbackInfo& info);
  // Test hooks, Linux only (the emulator's; ERROR_NOT_SUPPORTED on Windows):
  // emulateDriverVersion(major, minor, debug): void; limitReadBuffers(guid, bytes): void
  Napi::Value EmulateDriverVersion(const Napi::CallbackInfo& info);
  Napi::Value LimitReadBuffers(const Napi::CallbackInfo& info);
  Napi::Value ReleaseDevice(const Napi::CallbackInfo& info);

  Napi::Error ControlError(Napi::Env env, DWORD status, const char* emulator_call) const;

  std::shared_ptr<const TapLibrary> library_;
  std::map<uint32_t, HANDLE> held_;
  uint32_t next_hold_ = 1;
};

}  // namespace magma::tap
