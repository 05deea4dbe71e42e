// The security of the control endpoint's named pipe (Windows). libuv, which serves the pipe for
// Node.js, creates its instances with a NULL security descriptor, whose default DACL also lets
// Everyone and Anonymous open it for reading (CreateNamedPipeW, lpSecurityAttributes); it takes
// no SECURITY_ATTRIBUTES, so the DACL is replaced once the pipe exists.
#pragma once

#include <cstdint>
#include <string>

namespace magma::control {

struct PipeSecurityFailure {
  uint32_t win32_code = 0;
  std::string call;
  std::string detail;
};

// Gives the named pipe at `path` (\\.\pipe\...) a protected DACL that grants full access to
// BUILTIN\Administrators and LocalSystem and to no one else. Refuses (ERROR_ACCESS_DENIED) in a
// process that is neither, which would lock itself out of its own pipe. Opens the pipe as a client
// for a moment: the server sees one connection that ends at once.
bool RestrictPipeToAdministrators(const std::u16string& path, PipeSecurityFailure& failure);

// The pipe's DACL in SDDL ("D:P(A;;FA;;;BA)..."). Also connects for a moment, as above.
bool ReadPipeDacl(const std::u16string& path, std::string& sddl, PipeSecurityFailure& failure);

}  // namespace magma::control
