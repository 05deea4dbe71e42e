// JavaScript class `NativeLibrary`: one loaded wintun library. Creating and opening adapters runs
// on the libuv thread pool (wintun may wait up to 15 s for the interface), so they return promises.
#pragma once

#include <napi.h>

#include <memory>

#include "../library/wintun_library.h"

namespace magma::wintun {

class LibraryBinding : public Napi::ObjectWrap<LibraryBinding> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit LibraryBinding(const Napi::CallbackInfo& info);

 private:
  // loadLibrary(path: string): NativeLibrary (throws the load error)
  static Napi::Value Load(const Napi::CallbackInfo& info);
  // createAdapter(name: string, tunnelType: string, guid: Uint8Array(16) | null): Promise<NativeAdapter>
  Napi::Value CreateAdapter(const Napi::CallbackInfo& info);
  // openAdapter(name: string): Promise<NativeAdapter>
  Napi::Value OpenAdapter(const Napi::CallbackInfo& info);
  // runningDriverVersion(): number ((major << 16) | minor); throws when no driver is loaded
  Napi::Value RunningDriverVersion(const Napi::CallbackInfo& info);
  // deleteDriver(): void
  Napi::Value DeleteDriver(const Napi::CallbackInfo& info);
  // setLogging(enabled: boolean): void — routes WintunSetLogger to the logger bridge
  Napi::Value SetLogging(const Napi::CallbackInfo& info);

  std::shared_ptr<const WintunApi> api_;
};

}  // namespace magma::wintun
