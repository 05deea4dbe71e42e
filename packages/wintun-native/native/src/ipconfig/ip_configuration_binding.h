// Exposes the IP configuration calls to JavaScript as plain functions on the addon's exports.
#pragma once

#include <napi.h>

namespace magma::ipconfig {

void RegisterIpConfiguration(Napi::Env env, Napi::Object exports);

}  // namespace magma::ipconfig
