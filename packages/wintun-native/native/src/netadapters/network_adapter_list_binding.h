// Exposes the network adapter listing to JavaScript: listNetworkAdapters().
#pragma once

#include <napi.h>

namespace magma::netadapters {

void RegisterNetworkAdapterList(Napi::Env env, Napi::Object exports);

}  // namespace magma::netadapters
