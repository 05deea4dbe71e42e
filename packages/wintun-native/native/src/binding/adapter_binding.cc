#include "adapter_binding.h"

#include "addon_data.h"
#include "live_resources.h"
#include "session_binding.h"

namespace magma::wintun {
namespace {

struct AdapterInit {
  std::shared_ptr<const WintunApi> api;
  WINTUN_ADAPTER_HANDLE handle;
};

}  // namespace

void AdapterBinding::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(env, "NativeAdapter",
                                           {InstanceMethod<&AdapterBinding::Luid>("luid"),
                                            InstanceMethod<&AdapterBinding::Close>("close"),
                                            InstanceMethod<&AdapterBinding::StartSession>("startSession")});
  env.GetInstanceData<AddonData>()->adapter_constructor = Napi::Persistent(constructor);
  exports.Set("NativeAdapter", constructor);
}

Napi::Object AdapterBinding::NewInstance(Napi::Env env, std::shared_ptr<const WintunApi> api,
                                         WINTUN_ADAPTER_HANDLE handle) {
  AdapterInit init{std::move(api), handle};
  return env.GetInstanceData<AddonData>()->adapter_constructor.New({Napi::External<AdapterInit>::New(env, &init)});
}

AdapterBinding::AdapterBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<AdapterBinding>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeAdapter is created by createAdapter() or openAdapter()");
  }
  AdapterInit* init = info[0].As<Napi::External<AdapterInit>>().Data();
  api_ = init->api;
  handle_ = init->handle;
  env_ = info.Env();
  LiveResources::adapters.fetch_add(1);
  napi_add_env_cleanup_hook(env_, CleanupAtExit, this);
}

AdapterBinding::~AdapterBinding() { CloseHandle(); }

void AdapterBinding::CleanupAtExit(void* self) { static_cast<AdapterBinding*>(self)->CloseHandle(); }

void AdapterBinding::CloseHandle() {
  if (handle_ == nullptr) return;
  napi_remove_env_cleanup_hook(env_, CleanupAtExit, this);
  api_->CloseAdapter(handle_);
  handle_ = nullptr;
  LiveResources::adapters.fetch_sub(1);
}

Napi::Value AdapterBinding::Luid(const Napi::CallbackInfo& info) {
  if (handle_ == nullptr) throw Napi::Error::New(info.Env(), "the adapter is closed");
  WINTUN_NET_LUID luid;
  luid.Value = 0;
  api_->GetAdapterLUID(handle_, &luid);
  return Napi::BigInt::New(info.Env(), static_cast<uint64_t>(luid.Value));
}

Napi::Value AdapterBinding::StartSession(const Napi::CallbackInfo& info) {
  if (handle_ == nullptr) throw Napi::Error::New(info.Env(), "the adapter is closed");
  return SessionBinding::Start(info, api_, handle_);
}

Napi::Value AdapterBinding::Close(const Napi::CallbackInfo& info) {
  CloseHandle();
  return info.Env().Undefined();
}

}  // namespace magma::wintun
