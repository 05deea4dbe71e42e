#include "tap_library_binding.h"

#include <cstdio>
#include <string>
#include <vector>

#include "../binding/addon_data.h"
#include "../binding/win32_error.h"
#include "tap_device_binding.h"
#include "tap_device_probe.h"
#include "tap_interface.h"
#include "tap_registry.h"
#include "tap_text.h"

namespace magma::tap {
namespace {

std::string AsciiArgument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  }
  std::string text;
  if (!AsciiOfUtf16(info[index].As<Napi::String>().Utf16Value(), text)) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be ASCII");
  }
  return text;
}

std::string MacText(const uint8_t mac[6]) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return text;
}

// `probe`: open the device to read what it says (B.2, B.3); without it the record is the
// registry's and the interface's alone, and no adapter is touched.
Napi::Object Record(Napi::Env env, const TapLibrary& library, const TapRegistryEntry& entry, bool probe_device) {
  Napi::Object record = Napi::Object::New(env);
  record.Set("guid", entry.guid);
  record.Set("componentId", Napi::String::New(env, entry.component_id));
  record.Set("name", entry.has_name ? Napi::Value(Napi::String::New(env, entry.name)) : env.Null());
  TapInterface found;
  if (FindTapInterface(library, entry.guid, found)) {
    record.Set("luid", Napi::BigInt::New(env, found.luid));
    record.Set("interfaceName", found.name);
  }
  if (!probe_device) return record;
  TapDeviceProbe probe = ProbeTapDevice(*library.api, entry.guid);
  record.Set("openError", Napi::Number::New(env, probe.open_error));
  if (probe.has_version) {
    Napi::Object version = Napi::Object::New(env);
    version.Set("major", Napi::Number::New(env, probe.version.major));
    version.Set("minor", Napi::Number::New(env, probe.version.minor));
    version.Set("debug", Napi::Number::New(env, probe.version.debug));
    record.Set("driverVersion", version);
  }
  if (probe.has_mtu) record.Set("mtu", Napi::Number::New(env, probe.mtu));
  if (probe.has_mac) record.Set("mac", MacText(probe.mac));
  return record;
}

}  // namespace

void TapLibraryBinding::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(
      env, "NativeTapLibrary",
      {InstanceMethod<&TapLibraryBinding::ListAdapters>("listAdapters"),
       InstanceMethod<&TapLibraryBinding::CreateAdapter>("createAdapter"),
       InstanceMethod<&TapLibraryBinding::DeleteAdapter>("deleteAdapter"),
       InstanceMethod<&TapLibraryBinding::SetAdapterEnabled>("setAdapterEnabled"),
       InstanceMethod<&TapLibraryBinding::OpenDevice>("openDevice"),
       InstanceMethod<&TapLibraryBinding::EmulateDriverVersion>("emulateDriverVersion"),
       InstanceMethod<&TapLibraryBinding::LimitReadBuffers>("limitReadBuffers"),
       InstanceMethod<&TapLibraryBinding::HoldDevice>("holdDevice"),
       InstanceMethod<&TapLibraryBinding::ReleaseDevice>("releaseDevice")});
  env.GetInstanceData<wintun::AddonData>()->tap_library_constructor =
      Napi::Persistent(constructor);
  exports.Set("loadTapLibrary", Napi::Function::New(env, &TapLibraryBinding::Load));
}

TapLibraryBinding::TapLibraryBinding(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<TapLibraryBinding>(info) {
  if (!info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "NativeTapLibrary is made by loadTapLibrary()");
  }
  library_ = *info[0].As<Napi::External<std::shared_ptr<const TapLibrary>>>().Data();
}

TapLibraryBinding::~TapLibraryBinding() {
  for (const auto& hold : held_) library_->api->CloseHandle(hold.second);
}

Napi::Value TapLibraryBinding::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  TapLibraryLoad load = LoadTapLibrary(info[0].As<Napi::String>().Utf8Value());
  if (!load.library) throw wintun::Win32Error(env, load.win32_code, load.call, load.detail);
  std::shared_ptr<const TapLibrary> library = load.library;
  return env.GetInstanceData<wintun::AddonData>()->tap_library_constructor.New(
      {Napi::External<std::shared_ptr<const TapLibrary>>::New(env, &library)});
}

Napi::Value TapLibraryBinding::ListAdapters(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<TapRegistryEntry> entries;
  RegistryFailure failure;
  if (!ReadTapRegistry(*library_->api, entries, failure)) {
    throw wintun::Win32Error(env, failure.win32_code, failure.call);
  }
  const bool probe = !(info.Length() > 0 && info[0].IsBoolean() && !info[0].As<Napi::Boolean>().Value());
  Napi::Array records = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    records.Set(static_cast<uint32_t>(i), Record(env, *library_, entries[i], probe));
  }
  return records;
}

// A control's failure: on Windows the SetupAPI call that failed and what it acted on
// (LastFailure), on Linux the emulator's export, `emulator_call`.
Napi::Error TapLibraryBinding::ControlError(Napi::Env env, DWORD status,
                                            const char* emulator_call) const {
  if (library_->controls.LastFailure == nullptr) {
    return wintun::Win32Error(env, status, emulator_call);
  }
  const TapControlFailure& failure = *library_->controls.LastFailure();
  return wintun::Win32Error(env, status, failure.call, failure.detail);
}

Napi::Value TapLibraryBinding::CreateAdapter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "name must be a string");
  std::u16string name = info[0].As<Napi::String>().Utf16Value();
  std::string component_id;
  bool has_component_id = !info[1].IsNull() && !info[1].IsUndefined();
  if (has_component_id) component_id = AsciiArgument(info, 1, "componentId");
  if (library_->controls.CreateAdapter == nullptr) {
    throw wintun::Win32Error(env, ERROR_NOT_SUPPORTED, "createTapAdapter",
                             "this TAP library cannot make adapters");
  }
  char guid[39] = {};  // TAP_EMU_GUID_STRING_LENGTH
  DWORD status = library_->controls.CreateAdapter(
      Wide(name), has_component_id ? component_id.c_str() : nullptr, guid);
  if (status != ERROR_SUCCESS) throw ControlError(env, status, "TapEmuCreateAdapter");
  return Napi::String::New(env, guid);
}

Napi::Value TapLibraryBinding::DeleteAdapter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string guid = AsciiArgument(info, 0, "guid");
  if (library_->controls.DeleteAdapter == nullptr) {
    throw wintun::Win32Error(env, ERROR_NOT_SUPPORTED, "deleteTapAdapter",
                             "this TAP library cannot remove adapters");
  }
  DWORD status = library_->controls.DeleteAdapter(guid.c_str());
  if (status != ERROR_SUCCESS) throw ControlError(env, status, "TapEmuDeleteAdapter");
  return env.Undefined();
}

Napi::Value TapLibraryBinding::SetAdapterEnabled(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string guid = AsciiArgument(info, 0, "guid");
  if (!info[1].IsBoolean()) throw Napi::TypeError::New(env, "enabled must be a boolean");
  if (library_->controls.SetAdapterEnabled == nullptr) {
    throw wintun::Win32Error(env, ERROR_NOT_SUPPORTED, "setTapAdapterEnabled",
                             "this TAP library cannot enable or disable adapters");
  }
  DWORD status =
      library_->controls.SetAdapterEnabled(guid.c_str(), info[1].As<Napi::Boolean>().Value());
  if (status != ERROR_SUCCESS) throw ControlError(env, status, "TapEmuSetAdapterEnabled");
  return env.Undefined();
}

Napi::Value TapLibraryBinding::OpenDevice(const Napi::CallbackInfo& info) {
  return TapDeviceBinding::Open(info.Env(), library_, AsciiArgument(info, 0, "guid"));
}

Napi::Value TapLibraryBinding::EmulateDriverVersion(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  for (size_t i = 0; i < 3; ++i) {
    if (!info[i].IsNumber()) throw Napi::TypeError::New(env, "major, minor and debug must be numbers");
  }
  if (library_->controls.SetDriverVersion == nullptr) {
    throw wintun::Win32Error(env, ERROR_NOT_SUPPORTED, "emulateDriverVersion", "the emulator's test hook");
  }
  library_->controls.SetDriverVersion(info[0].As<Napi::Number>().Uint32Value(),
                                      info[1].As<Napi::Number>().Uint32Value(),
                                      info[2].As<Napi::Number>().Uint32Value());
  return env.Undefined();
}

Napi::Value TapLibraryBinding::LimitReadBuffers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string guid = AsciiArgument(info, 0, "guid");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "bytes must be a number");
  if (library_->controls.FaultLimitReadBuffers == nullptr) {
    throw wintun::Win32Error(env, ERROR_NOT_SUPPORTED, "limitReadBuffers", "the emulator's test hook");
  }
  if (!library_->controls.FaultLimitReadBuffers(guid.c_str(), info[1].As<Napi::Number>().Uint32Value())) {
    throw wintun::Win32Error(env, ERROR_NOT_FOUND, "TapEmuFaultLimitReadBuffers", guid);
  }
  return env.Undefined();
}

Napi::Value TapLibraryBinding::HoldDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string guid = AsciiArgument(info, 0, "guid");
  uint32_t error = 0;
  HANDLE device = OpenTapDevice(*library_->api, guid, error);
  if (device == INVALID_HANDLE_VALUE) throw wintun::Win32Error(env, error, "CreateFileW");
  uint32_t id = next_hold_++;
  held_[id] = device;
  return Napi::Number::New(env, id);
}

Napi::Value TapLibraryBinding::ReleaseDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "id must be a number");
  auto hold = held_.find(info[0].As<Napi::Number>().Uint32Value());
  if (hold == held_.end()) return env.Undefined();
  library_->api->CloseHandle(hold->second);
  held_.erase(hold);
  return env.Undefined();
}

}  // namespace magma::tap
