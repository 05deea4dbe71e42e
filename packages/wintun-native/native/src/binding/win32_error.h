// Errors thrown to JavaScript for a failed wintun call. They carry `win32Code`, `call` and
// `detail`; the TypeScript layer turns them into WinTunError with the symbolic name and a hint.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace magma::wintun {

inline Napi::Error Win32Error(Napi::Env env, uint32_t code, const std::string& call, const std::string& detail = "") {
  std::string message = call + " failed with Win32 error " + std::to_string(code);
  if (!detail.empty()) message += ": " + detail;
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("win32Code", Napi::Number::New(env, code));
  error.Set("call", Napi::String::New(env, call));
  error.Set("detail", Napi::String::New(env, detail));
  return error;
}

}  // namespace magma::wintun
