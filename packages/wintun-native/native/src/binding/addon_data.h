// Per-environment state of the addon: the constructors of its native classes.
#pragma once

#include <napi.h>

namespace magma::wintun {

struct AddonData {
  Napi::FunctionReference library_constructor;
  Napi::FunctionReference adapter_constructor;
  Napi::FunctionReference session_constructor;
  Napi::FunctionReference tap_library_constructor;  // tap/tap_library_binding.h
  Napi::FunctionReference tap_device_constructor;   // tap/tap_device_binding.h
};

}  // namespace magma::wintun
