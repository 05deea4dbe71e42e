// JavaScript signatures (src/control/control-pipe-security.ts wraps them):
//   restrictPipeToAdministrators(path: string): void
//   pipeSecurity(path: string): string  (the DACL as SDDL)
// Synchronous: a few system calls, once per control endpoint. A failure throws the Win32 error
// shape of binding/win32_error.h; off Windows, ERROR_NOT_SUPPORTED.
#include "pipe_security_binding.h"

#include "../binding/win32_error.h"
#include "pipe_security.h"

namespace magma::control {
namespace {

std::u16string PathArgument(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "path must be a string");
  return info[0].As<Napi::String>().Utf16Value();
}

Napi::Error FailureError(Napi::Env env, const PipeSecurityFailure& failure) {
  return magma::wintun::Win32Error(env, failure.win32_code, failure.call, failure.detail);
}

Napi::Value RestrictPipeToAdministratorsJs(const Napi::CallbackInfo& info) {
  PipeSecurityFailure failure;
  if (!RestrictPipeToAdministrators(PathArgument(info), failure)) {
    throw FailureError(info.Env(), failure);
  }
  return info.Env().Undefined();
}

Napi::Value PipeSecurityJs(const Napi::CallbackInfo& info) {
  PipeSecurityFailure failure;
  std::string sddl;
  if (!ReadPipeDacl(PathArgument(info), sddl, failure)) throw FailureError(info.Env(), failure);
  return Napi::String::New(info.Env(), sddl);
}

}  // namespace

void RegisterPipeSecurity(Napi::Env env, Napi::Object exports) {
  exports.Set("restrictPipeToAdministrators",
              Napi::Function::New(env, RestrictPipeToAdministratorsJs, "restrictPipeToAdministrators"));
  exports.Set("pipeSecurity", Napi::Function::New(env, PipeSecurityJs, "pipeSecurity"));
}

}  // namespace magma::control
