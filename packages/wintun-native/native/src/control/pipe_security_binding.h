// Exposes the control pipe's security calls (pipe_security.h) to JavaScript.
#pragma once

#include <napi.h>

namespace magma::control {

void RegisterPipeSecurity(Napi::Env env, Napi::Object exports);

}  // namespace magma::control
