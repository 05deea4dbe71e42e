#include "tap_device_binding.h"

#include <cstdio>
#include <string>

#include "../binding/addon_data.h"
#include "../binding/live_resources.h"
#include "../binding/session_binding.h"
#include "../binding/win32_error.h"
#include "tap_device_probe.h"
#include "tap_packet_ring.h"

namespace magma::tap {
namespace {

struct DeviceInit {
  std::shared_ptr<const TapLibrary> library;
  HANDLE device;
  TapWinVersion version;
  uint32_t mtu;
  uint8_t mac[6];
};

// A 4-byte IPv4 address in network order (B.3: IOCTL addresses are raw octets).
void AddressArgument(const Napi::CallbackInfo& info, size_t index, const char* name, uint8_t out[4]) {
  if (!info[index].IsTypedArray() || info[index].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[index].As<Napi::Uint8Array>().ElementLength() != 4) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a 4-byte Uint8Array");
  }
  const uint8_t* bytes = info[index].As<Napi::Uint8Array>().Data();
  for (int i = 0; i < 4; ++i) out[i] = bytes[i];
}

}  // namespace

void TapDeviceBinding::Register(Napi::Env env) {
  Napi::Function constructor =
      DefineClass(env, "NativeTapDevice",
                  {InstanceMethod<&TapDeviceBinding::Info>("info"),
                   InstanceMethod<&TapDeviceBinding::ConfigureTun>("configureTun"),
                   InstanceMethod<&TapDeviceBinding::SetMediaStatus>("setMediaStatus"),
                   InstanceMethod<&TapDeviceBinding::StartSession>("startSession"),
                   InstanceMethod<&TapDeviceBinding::Close>("close")});
  env.GetInstanceData<wintun::AddonData>()->tap_device_constructor = Napi::Persistent(constructor);
}

Napi::Value TapDeviceBinding::Open(Napi::Env env, std::shared_ptr<const TapLibrary> library,
                                   const std::string& guid) {
  const TapWin32Api& api = *library->api;
  uint32_t error = 0;
  HANDLE device = OpenTapDevice(api, guid, error);
  if (device == INVALID_HANDLE_VALUE) throw wintun::Win32Error(env, error, "CreateFileW");
  DeviceInit init{library, device, {}, 0, {}};
  HANDLE event = api.CreateEventW(nullptr, TRUE, FALSE, nullptr);
  const char* failed_call = "CreateEventW";
  error = event == nullptr ? api.GetLastError() : 0;
  if (error == 0) {
    failed_call = "DeviceIoControl(TAP_WIN_IOCTL_GET_VERSION)";
    error = TapControl(api, device, event, TAP_WIN_IOCTL_GET_VERSION, &init.version, sizeof init.version);
  }
  if (error == 0) {
    failed_call = "DeviceIoControl(TAP_WIN_IOCTL_GET_MTU)";
    error = TapControl(api, device, event, TAP_WIN_IOCTL_GET_MTU, &init.mtu, sizeof init.mtu);
  }
  if (error == 0) {
    failed_call = "DeviceIoControl(TAP_WIN_IOCTL_GET_MAC)";
    error = TapControl(api, device, event, TAP_WIN_IOCTL_GET_MAC, init.mac, sizeof init.mac);
  }
  if (event != nullptr) api.CloseHandle(event);
  std::string detail;
  const bool too_old =
      error == 0 && (init.version.major < TAP_WIN_MIN_VERSION_MAJOR ||
                     (init.version.major == TAP_WIN_MIN_VERSION_MAJOR && init.version.minor < TAP_WIN_MIN_VERSION_MINOR));
  if (too_old) {
    // OpenVPN's tuntap_post_open refuses these too: older drivers lack CONFIG_TUN (B intro).
    error = ERROR_NOT_SUPPORTED;
    failed_call = "DeviceIoControl(TAP_WIN_IOCTL_GET_VERSION)";
    char text[96];
    std::snprintf(text, sizeof text, "driver version %u.%u is below %u.%u", init.version.major, init.version.minor,
                  TAP_WIN_MIN_VERSION_MAJOR, TAP_WIN_MIN_VERSION_MINOR);
    detail = text;
  }
  if (error != 0) {
    api.CloseHandle(device);
    throw wintun::Win32Error(env, error, failed_call, detail);
  }
  try {
    return env.GetInstanceData<wintun::AddonData>()->tap_device_constructor.New(
        {Napi::External<DeviceInit>::New(env, &init)});
  } catch (...) {
    if (init.device != INVALID_HANDLE_VALUE) api.CloseHandle(init.device);
    throw;
  }
}

TapDeviceBinding::TapDeviceBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TapDeviceBinding>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeTapDevice is made by tapLibrary.openDevice()");
  }
  DeviceInit* init = info[0].As<Napi::External<DeviceInit>>().Data();
  library_ = init->library;
  device_ = init->device;
  init->device = INVALID_HANDLE_VALUE;  // ours from here on
  version_ = init->version;
  mtu_ = init->mtu;
  for (int i = 0; i < 6; ++i) mac_[i] = init->mac[i];
  env_ = info.Env();
  wintun::LiveResources::tap_devices.fetch_add(1);
  napi_add_env_cleanup_hook(env_, CleanupAtExit, this);
}

TapDeviceBinding::~TapDeviceBinding() { CloseHandle(); }

void TapDeviceBinding::CleanupAtExit(void* self) { static_cast<TapDeviceBinding*>(self)->CloseHandle(); }

void TapDeviceBinding::CloseHandle() {
  if (env_ == nullptr) return;
  napi_remove_env_cleanup_hook(env_, CleanupAtExit, this);
  env_ = nullptr;
  wintun::LiveResources::tap_devices.fetch_sub(1);
  if (device_ != INVALID_HANDLE_VALUE) library_->api->CloseHandle(device_);
  device_ = INVALID_HANDLE_VALUE;
}

HANDLE TapDeviceBinding::OpenHandle(Napi::Env env) const {
  if (device_ == INVALID_HANDLE_VALUE) {
    throw wintun::Win32Error(env, ERROR_INVALID_HANDLE, "NativeTapDevice", "the device is closed or its session started");
  }
  return device_;
}

void TapDeviceBinding::Control(Napi::Env env, DWORD code, void* buffer, DWORD size, const char* call) const {
  const TapWin32Api& api = *library_->api;
  HANDLE device = OpenHandle(env);
  HANDLE event = api.CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (event == nullptr) throw wintun::Win32Error(env, api.GetLastError(), "CreateEventW");
  const uint32_t error = TapControl(api, device, event, code, buffer, size);
  api.CloseHandle(event);
  if (error != 0) throw wintun::Win32Error(env, error, call);
}

Napi::Value TapDeviceBinding::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  Napi::Object version = Napi::Object::New(env);
  version.Set("major", Napi::Number::New(env, version_.major));
  version.Set("minor", Napi::Number::New(env, version_.minor));
  version.Set("debug", Napi::Number::New(env, version_.debug));
  out.Set("driverVersion", version);
  out.Set("mtu", Napi::Number::New(env, mtu_));
  char mac[18];
  std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", mac_[0], mac_[1], mac_[2], mac_[3], mac_[4],
                mac_[5]);
  out.Set("mac", Napi::String::New(env, mac));
  return out;
}

Napi::Value TapDeviceBinding::ConfigureTun(const Napi::CallbackInfo& info) {
  TapWinConfigTun config{};
  AddressArgument(info, 0, "local", config.local);
  AddressArgument(info, 1, "network", config.network);
  AddressArgument(info, 2, "netmask", config.netmask);
  Control(info.Env(), TAP_WIN_IOCTL_CONFIG_TUN, &config, sizeof config, "DeviceIoControl(TAP_WIN_IOCTL_CONFIG_TUN)");
  return info.Env().Undefined();
}

Napi::Value TapDeviceBinding::SetMediaStatus(const Napi::CallbackInfo& info) {
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "connected must be a boolean");
  TapWinMediaStatus status = info[0].As<Napi::Boolean>().Value() ? 1 : 0;
  Control(info.Env(), TAP_WIN_IOCTL_SET_MEDIA_STATUS, &status, sizeof status,
          "DeviceIoControl(TAP_WIN_IOCTL_SET_MEDIA_STATUS)");
  return info.Env().Undefined();
}

Napi::Value TapDeviceBinding::StartSession(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpenHandle(env);
  return wintun::SessionBinding::Start(info, [&]() -> std::shared_ptr<wintun::PacketRing> {
    // The ring owns the handle from here, whatever happens next.
    HANDLE device = device_;
    device_ = INVALID_HANDLE_VALUE;
    auto ring = std::make_shared<TapPacketRing>(library_, *library_->api, device, mtu_);
    if (!ring->ok()) throw wintun::Win32Error(env, ring->start_error(), "ReadFile", "cannot post the device's reads");
    return ring;
  });
}

Napi::Value TapDeviceBinding::Close(const Napi::CallbackInfo& info) {
  CloseHandle();
  return info.Env().Undefined();
}

}  // namespace magma::tap
