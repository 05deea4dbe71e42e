#include "library_binding.h"

#include <cstring>
#include <string>

#include "../logger/logger_bridge.h"
#include "../platform/last_error.h"
#include "adapter_binding.h"
#include "addon_data.h"
#include "win32_error.h"

namespace magma::wintun {
namespace {

std::u16string StringArgument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  return info[index].As<Napi::String>().Utf16Value();
}

// Creates or opens an adapter off the JavaScript thread. The last error is read on the same
// thread, right after the call, as the contract requires.
class AdapterWorker : public Napi::AsyncWorker {
 public:
  AdapterWorker(Napi::Env env, std::shared_ptr<const WintunApi> api, bool create, std::u16string name,
                std::u16string tunnel_type, bool has_guid, const GUID& guid)
      : Napi::AsyncWorker(env, create ? "WintunCreateAdapter" : "WintunOpenAdapter"),
        deferred_(Napi::Promise::Deferred::New(env)),
        api_(std::move(api)),
        create_(create),
        name_(std::move(name)),
        tunnel_type_(std::move(tunnel_type)),
        has_guid_(has_guid),
        guid_(guid) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  void Execute() override {
    const auto* name = reinterpret_cast<const WINTUN_WCHAR*>(name_.c_str());
    if (create_) {
      handle_ = api_->CreateAdapter(name, reinterpret_cast<const WINTUN_WCHAR*>(tunnel_type_.c_str()),
                                    has_guid_ ? &guid_ : nullptr);
    } else {
      handle_ = api_->OpenAdapter(name);
    }
    if (handle_ == nullptr) code_ = LastWin32Error();
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (handle_ == nullptr) {
      deferred_.Reject(Win32Error(env, code_, create_ ? "WintunCreateAdapter" : "WintunOpenAdapter").Value());
      return;
    }
    deferred_.Resolve(AdapterBinding::NewInstance(env, api_, handle_));
  }

 private:
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<const WintunApi> api_;
  bool create_;
  std::u16string name_;
  std::u16string tunnel_type_;
  bool has_guid_;
  GUID guid_;
  WINTUN_ADAPTER_HANDLE handle_ = nullptr;
  uint32_t code_ = 0;
};

}  // namespace

void LibraryBinding::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor =
      DefineClass(env, "NativeLibrary",
                  {InstanceMethod<&LibraryBinding::CreateAdapter>("createAdapter"),
                   InstanceMethod<&LibraryBinding::OpenAdapter>("openAdapter"),
                   InstanceMethod<&LibraryBinding::RunningDriverVersion>("runningDriverVersion"),
                   InstanceMethod<&LibraryBinding::DeleteDriver>("deleteDriver"),
                   InstanceMethod<&LibraryBinding::SetLogging>("setLogging")});
  env.GetInstanceData<AddonData>()->library_constructor = Napi::Persistent(constructor);
  exports.Set("loadLibrary", Napi::Function::New(env, Load, "loadLibrary"));
}

LibraryBinding::LibraryBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LibraryBinding>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeLibrary is created by loadLibrary()");
  }
  api_ = *info[0].As<Napi::External<std::shared_ptr<const WintunApi>>>().Data();
}

Napi::Value LibraryBinding::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  LibraryLoadResult result = LoadWintunLibrary(info[0].As<Napi::String>().Utf8Value());
  if (!result.api) throw Win32Error(env, result.win32_code, result.call, result.detail);
  std::shared_ptr<const WintunApi> api = result.api;
  return env.GetInstanceData<AddonData>()->library_constructor.New(
      {Napi::External<std::shared_ptr<const WintunApi>>::New(env, &api)});
}

Napi::Value LibraryBinding::CreateAdapter(const Napi::CallbackInfo& info) {
  std::u16string name = StringArgument(info, 0, "name");
  std::u16string tunnel_type = StringArgument(info, 1, "tunnelType");
  GUID guid;
  std::memset(&guid, 0, sizeof guid);
  bool has_guid = false;
  if (info[2].IsTypedArray()) {
    Napi::Uint8Array bytes = info[2].As<Napi::Uint8Array>();
    if (bytes.TypedArrayType() != napi_uint8_array || bytes.ElementLength() != sizeof(GUID)) {
      throw Napi::TypeError::New(info.Env(), "guid must be 16 bytes in GUID layout");
    }
    std::memcpy(&guid, bytes.Data(), sizeof guid);
    has_guid = true;
  }
  auto* worker = new AdapterWorker(info.Env(), api_, true, std::move(name), std::move(tunnel_type), has_guid, guid);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value LibraryBinding::OpenAdapter(const Napi::CallbackInfo& info) {
  std::u16string name = StringArgument(info, 0, "name");
  GUID none;
  std::memset(&none, 0, sizeof none);
  auto* worker = new AdapterWorker(info.Env(), api_, false, std::move(name), std::u16string(), false, none);
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

Napi::Value LibraryBinding::RunningDriverVersion(const Napi::CallbackInfo& info) {
  DWORD version = api_->GetRunningDriverVersion();
  if (version == 0) throw Win32Error(info.Env(), LastWin32Error(), "WintunGetRunningDriverVersion");
  return Napi::Number::New(info.Env(), version);
}

Napi::Value LibraryBinding::DeleteDriver(const Napi::CallbackInfo& info) {
  if (!api_->DeleteDriver()) throw Win32Error(info.Env(), LastWin32Error(), "WintunDeleteDriver");
  return info.Env().Undefined();
}

Napi::Value LibraryBinding::SetLogging(const Napi::CallbackInfo& info) {
  api_->SetLogger(info[0].ToBoolean().Value() ? &LoggerBridgeCallback : nullptr);
  return info.Env().Undefined();
}

}  // namespace magma::wintun
