#include "adapter_binding.h"

#include "../interface/interface_info.h"
#include "../platform/last_error.h"
#include "../session/wintun_packet_ring.h"
#include "addon_data.h"
#include "live_resources.h"
#include "session_binding.h"
#include "win32_error.h"

namespace magma::wintun {
namespace {

struct AdapterInit {
  std::shared_ptr<const WintunApi> api;
  WINTUN_ADAPTER_HANDLE handle;
};

}  // namespace

void AdapterBinding::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor =
      DefineClass(env, "NativeAdapter",
                  {InstanceMethod<&AdapterBinding::Luid>("luid"),
                   InstanceMethod<&AdapterBinding::InterfaceIndex>("interfaceIndex"),
                   InstanceMethod<&AdapterBinding::InterfaceName>("interfaceName"),
                   InstanceMethod<&AdapterBinding::InterfaceStatistics>("interfaceStatistics"),
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

uint64_t AdapterBinding::OpenLuid(Napi::Env env) const {
  if (handle_ == nullptr) throw Napi::Error::New(env, "the adapter is closed");
  WINTUN_NET_LUID luid;
  luid.Value = 0;
  api_->GetAdapterLUID(handle_, &luid);
  return static_cast<uint64_t>(luid.Value);
}

Napi::Value AdapterBinding::Luid(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), OpenLuid(info.Env()));
}

Napi::Value AdapterBinding::InterfaceIndex(const Napi::CallbackInfo& info) {
  uint32_t index = 0;
  InterfaceFailure failure;
  if (!InterfaceIndexOf(OpenLuid(info.Env()), index, failure)) {
    throw Win32Error(info.Env(), failure.win32_code, failure.call);
  }
  return Napi::Number::New(info.Env(), index);
}

Napi::Value AdapterBinding::InterfaceName(const Napi::CallbackInfo& info) {
  std::string name;
  InterfaceFailure failure;
  if (!InterfaceNameOf(OpenLuid(info.Env()), name, failure)) {
    throw Win32Error(info.Env(), failure.win32_code, failure.call);
  }
  return Napi::String::New(info.Env(), name);
}

Napi::Value AdapterBinding::InterfaceStatistics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  magma::wintun::InterfaceStatistics statistics;
  InterfaceFailure failure;
  if (!ReadInterfaceStatistics(*api_, handle_, OpenLuid(env), statistics, failure)) {
    throw Win32Error(env, failure.win32_code, failure.call);
  }
  // Counters up to 2^53 are exact as numbers: years of traffic at any rate a tunnel sees.
  Napi::Object out = Napi::Object::New(env);
  out.Set("rxPackets", Napi::Number::New(env, static_cast<double>(statistics.rx_packets)));
  out.Set("rxBytes", Napi::Number::New(env, static_cast<double>(statistics.rx_bytes)));
  out.Set("rxDropped", Napi::Number::New(env, static_cast<double>(statistics.rx_dropped)));
  out.Set("rxErrors", Napi::Number::New(env, static_cast<double>(statistics.rx_errors)));
  out.Set("txPackets", Napi::Number::New(env, static_cast<double>(statistics.tx_packets)));
  out.Set("txBytes", Napi::Number::New(env, static_cast<double>(statistics.tx_bytes)));
  out.Set("txDropped", Napi::Number::New(env, static_cast<double>(statistics.tx_dropped)));
  out.Set("txErrors", Napi::Number::New(env, static_cast<double>(statistics.tx_errors)));
  return out;
}

Napi::Value AdapterBinding::StartSession(const Napi::CallbackInfo& info) {
  if (handle_ == nullptr) throw Napi::Error::New(info.Env(), "the adapter is closed");
  return SessionBinding::Start(info, [&]() -> std::shared_ptr<PacketRing> {
    // Called once Start has checked the arguments: capacity is a number.
    WINTUN_SESSION_HANDLE session = api_->StartSession(handle_, info[0].As<Napi::Number>().Uint32Value());
    if (session == nullptr) throw Win32Error(info.Env(), LastWin32Error(), "WintunStartSession");
    return std::make_shared<WintunPacketRing>(api_, session);
  });
}

Napi::Value AdapterBinding::Close(const Napi::CallbackInfo& info) {
  CloseHandle();
  return info.Env().Undefined();
}

}  // namespace magma::wintun
