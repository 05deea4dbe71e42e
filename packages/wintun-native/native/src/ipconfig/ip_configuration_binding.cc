// JavaScript signatures (the TypeScript backend in src/configuration wraps them):
//   ipAddUnicastAddress(luid: bigint, family: 4|6, address: Uint8Array, prefixLength): number
//   ipDeleteUnicastAddress(luid, family, address, prefixLength): number
//   ipAddRoute(luid, family, destination, prefixLength, nextHop: Uint8Array|null, metric): number
//   ipDeleteRoute(luid, family, destination, prefixLength, nextHop: Uint8Array|null): number
//   ipSetMtu(luid, family, mtu): number
//   ipSetDns(luid, family, servers: string, searchList: string): number  (comma-separated)
// Each returns the Win32 status; arguments of the wrong shape are a programming error and throw.
#include "ip_configuration_binding.h"

#include <cstring>

#include "ip_configuration.h"

namespace magma::ipconfig {
namespace {

uint64_t LuidArgument(const Napi::CallbackInfo& info, size_t index) {
  if (!info[index].IsBigInt()) throw Napi::TypeError::New(info.Env(), "luid must be a bigint");
  bool lossless = false;
  uint64_t value = info[index].As<Napi::BigInt>().Uint64Value(&lossless);
  if (!lossless) throw Napi::RangeError::New(info.Env(), "luid must fit in 64 bits");
  return value;
}

int FamilyArgument(const Napi::CallbackInfo& info, size_t index) {
  int family = info[index].IsNumber() ? info[index].As<Napi::Number>().Int32Value() : 0;
  if (family != 4 && family != 6) throw Napi::TypeError::New(info.Env(), "family must be 4 or 6");
  return family;
}

uint32_t Uint32Argument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  return info[index].As<Napi::Number>().Uint32Value();
}

IpPrefix PrefixArgument(const Napi::CallbackInfo& info, int family, size_t bytes_index,
                        size_t length_index) {
  IpPrefix prefix;
  prefix.family = family;
  size_t expected = family == 6 ? 16 : 4;
  if (!info[bytes_index].IsTypedArray() ||
      info[bytes_index].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[bytes_index].As<Napi::Uint8Array>().ElementLength() != expected) {
    throw Napi::TypeError::New(info.Env(), "an address must be a Uint8Array of 4 (IPv4) or 16 (IPv6) bytes");
  }
  std::memcpy(prefix.bytes, info[bytes_index].As<Napi::Uint8Array>().Data(), expected);
  if (length_index != 0) {
    uint32_t length = Uint32Argument(info, length_index, "prefixLength");
    if (length > expected * 8) throw Napi::RangeError::New(info.Env(), "prefixLength too long");
    prefix.prefix_length = static_cast<uint8_t>(length);
  } else {
    prefix.prefix_length = static_cast<uint8_t>(expected * 8);
  }
  return prefix;
}

Napi::Value AddUnicastAddressJs(const Napi::CallbackInfo& info) {
  int family = FamilyArgument(info, 1);
  return Napi::Number::New(info.Env(), AddUnicastAddress(LuidArgument(info, 0), PrefixArgument(info, family, 2, 3)));
}

Napi::Value DeleteUnicastAddressJs(const Napi::CallbackInfo& info) {
  int family = FamilyArgument(info, 1);
  return Napi::Number::New(info.Env(),
                           DeleteUnicastAddress(LuidArgument(info, 0), PrefixArgument(info, family, 2, 3)));
}

Napi::Value AddRouteJs(const Napi::CallbackInfo& info) {
  int family = FamilyArgument(info, 1);
  IpPrefix destination = PrefixArgument(info, family, 2, 3);
  IpPrefix next_hop;
  bool has_next_hop = !info[4].IsNull() && !info[4].IsUndefined();
  if (has_next_hop) next_hop = PrefixArgument(info, family, 4, 0);
  uint32_t metric = Uint32Argument(info, 5, "metric");
  return Napi::Number::New(info.Env(), AddRoute(LuidArgument(info, 0), destination,
                                                has_next_hop ? &next_hop : nullptr, metric));
}

Napi::Value DeleteRouteJs(const Napi::CallbackInfo& info) {
  int family = FamilyArgument(info, 1);
  IpPrefix destination = PrefixArgument(info, family, 2, 3);
  IpPrefix next_hop;
  bool has_next_hop = !info[4].IsNull() && !info[4].IsUndefined();
  if (has_next_hop) next_hop = PrefixArgument(info, family, 4, 0);
  return Napi::Number::New(info.Env(), DeleteRoute(LuidArgument(info, 0), destination,
                                                   has_next_hop ? &next_hop : nullptr));
}

Napi::Value SetMtuJs(const Napi::CallbackInfo& info) {
  int family = FamilyArgument(info, 1);
  return Napi::Number::New(info.Env(),
                           SetInterfaceMtu(LuidArgument(info, 0), family, Uint32Argument(info, 2, "mtu")));
}

std::string StringArgument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a string");
  }
  return info[index].As<Napi::String>().Utf8Value();
}

Napi::Value SetDnsJs(const Napi::CallbackInfo& info) {
  int family = FamilyArgument(info, 1);
  return Napi::Number::New(info.Env(),
                           SetDnsSettings(LuidArgument(info, 0), family, StringArgument(info, 2, "servers"),
                                          StringArgument(info, 3, "searchList")));
}

}  // namespace

void RegisterIpConfiguration(Napi::Env env, Napi::Object exports) {
  exports.Set("ipAddUnicastAddress", Napi::Function::New(env, AddUnicastAddressJs, "ipAddUnicastAddress"));
  exports.Set("ipDeleteUnicastAddress", Napi::Function::New(env, DeleteUnicastAddressJs, "ipDeleteUnicastAddress"));
  exports.Set("ipAddRoute", Napi::Function::New(env, AddRouteJs, "ipAddRoute"));
  exports.Set("ipDeleteRoute", Napi::Function::New(env, DeleteRouteJs, "ipDeleteRoute"));
  exports.Set("ipSetMtu", Napi::Function::New(env, SetMtuJs, "ipSetMtu"));
  exports.Set("ipSetDns", Napi::Function::New(env, SetDnsJs, "ipSetDns"));
}

}  // namespace magma::ipconfig
