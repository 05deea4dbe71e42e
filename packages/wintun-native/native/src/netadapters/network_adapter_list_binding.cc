// JavaScript signature (src/network-adapter-records.ts types it):
//   listNetworkAdapters(): NetworkAdapterRecord[]
// Synchronous: one SetupAPI enumeration and one address table, for a command or a check, not a
// data path. A failure throws the Win32 error shape of binding/win32_error.h.
#include "network_adapter_list_binding.h"

#include "../binding/win32_error.h"
#include "network_adapter_list.h"

namespace magma::netadapters {
namespace {

Napi::Value StringOrUndefined(Napi::Env env, const std::string& text) {
  return text.empty() ? env.Undefined() : Napi::String::New(env, text);
}

Napi::Object AddressObject(Napi::Env env, const UnicastAddress& address) {
  Napi::Object object = Napi::Object::New(env);
  size_t length = address.family == 6 ? 16 : 4;
  Napi::Uint8Array bytes = Napi::Uint8Array::New(env, length);
  for (size_t i = 0; i < length; ++i) bytes[i] = address.bytes[i];
  object.Set("family", Napi::Number::New(env, address.family));
  object.Set("bytes", bytes);
  object.Set("prefixLength", Napi::Number::New(env, address.prefix_length));
  return object;
}

Napi::Object InterfaceObject(Napi::Env env, const InterfaceRow& row) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("luid", Napi::BigInt::New(env, row.luid));
  object.Set("index", Napi::Number::New(env, row.index));
  object.Set("alias", Napi::String::New(env, row.alias));
  object.Set("mtu", Napi::Number::New(env, row.mtu));
  object.Set("operStatus", Napi::Number::New(env, row.oper_status));
  object.Set("mediaConnectState", Napi::Number::New(env, row.media_connect_state));
  Napi::Array addresses = Napi::Array::New(env, row.addresses.size());
  for (size_t i = 0; i < row.addresses.size(); ++i) {
    addresses.Set(static_cast<uint32_t>(i), AddressObject(env, row.addresses[i]));
  }
  object.Set("addresses", addresses);
  return object;
}

Napi::Object EntryObject(Napi::Env env, const NetworkAdapterEntry& entry) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("instanceId", Napi::String::New(env, entry.instance_id));
  Napi::Array hardware_ids = Napi::Array::New(env, entry.hardware_ids.size());
  for (size_t i = 0; i < entry.hardware_ids.size(); ++i) {
    hardware_ids.Set(static_cast<uint32_t>(i), Napi::String::New(env, entry.hardware_ids[i]));
  }
  object.Set("hardwareIds", hardware_ids);
  object.Set("present", Napi::Boolean::New(env, entry.present));
  object.Set("wintunName", entry.has_wintun_name ? Napi::String::New(env, entry.wintun_name)
                                                 : env.Undefined());
  object.Set("classKeyRead", Napi::Boolean::New(env, entry.class_key_read));
  object.Set("componentId", StringOrUndefined(env, entry.component_id));
  object.Set("netCfgInstanceId", StringOrUndefined(env, entry.net_cfg_instance_id));
  object.Set("driverVersion", StringOrUndefined(env, entry.driver_version));
  object.Set("driverDescription", StringOrUndefined(env, entry.driver_description));
  object.Set("netLuidIndex", entry.has_luid_index ? Napi::Number::New(env, entry.net_luid_index)
                                                  : env.Undefined());
  object.Set("ifType", entry.has_luid_index ? Napi::Number::New(env, entry.if_type)
                                            : env.Undefined());
  object.Set("interface", entry.has_interface ? InterfaceObject(env, entry.row) : env.Undefined());
  object.Set("interfaceStatus", Napi::Number::New(env, entry.interface_status));
  return object;
}

Napi::Value ListNetworkAdaptersJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<NetworkAdapterEntry> entries;
  ListFailure failure;
  if (!ListNetworkAdapters(entries, failure)) {
    throw magma::wintun::Win32Error(env, failure.win32_code, failure.call);
  }
  Napi::Array result = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    result.Set(static_cast<uint32_t>(i), EntryObject(env, entries[i]));
  }
  return result;
}

}  // namespace

void RegisterNetworkAdapterList(Napi::Env env, Napi::Object exports) {
  exports.Set("listNetworkAdapters", Napi::Function::New(env, ListNetworkAdaptersJs,
                                                         "listNetworkAdapters"));
}

}  // namespace magma::netadapters
