// Named pipes are the Windows control endpoint; on Linux it is a Unix socket of mode 0600
// (src/control/control-server.ts), so these calls are not supported there.
#include "pipe_security.h"

namespace magma::control {
namespace {

bool NotSupported(const char* call, PipeSecurityFailure& failure) {
  failure.win32_code = 50;  // ERROR_NOT_SUPPORTED
  failure.call = call;
  return false;
}

}  // namespace

bool RestrictPipeToAdministrators(const std::u16string&, PipeSecurityFailure& failure) {
  return NotSupported("restrictPipeToAdministrators", failure);
}

bool ReadPipeDacl(const std::u16string&, std::string&, PipeSecurityFailure& failure) {
  return NotSupported("pipeSecurity", failure);
}

}  // namespace magma::control
