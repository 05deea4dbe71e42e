// Windows: the control pipe's DACL, replaced through a client handle of our own, since libuv keeps
// its server handles to itself. A named pipe has one security descriptor for all its instances:
// it is set when the first instance creates the pipe, and each later CreateNamedPipeW is checked
// against it for FILE_CREATE_PIPE_INSTANCE (CreateNamedPipeW, Remarks; "Named Pipe Security and
// Access Rights", which changes it with SetSecurityInfo). So the DACL set here also covers the
// instances libuv creates later, as clients connect.
#include <windows.h>
// windows.h first: these need its types.
#include <aclapi.h>
#include <sddl.h>

#include <cwchar>

#include "../netadapters/wide_text_windows.h"
#include "pipe_security.h"

namespace magma::control {
namespace {

// Full access for BUILTIN\Administrators (BA) and LocalSystem (SY) and no other entry; "P"
// protects the DACL from inheritable entries. FA (FILE_ALL_ACCESS) rather than GA: it is what
// GENERIC_ALL maps to for a file object, written out so that the DACL read back is the one set.
// It includes FILE_CREATE_PIPE_INSTANCE, which libuv needs for every instance it adds.
constexpr wchar_t kAdministratorsOnly[] = L"D:P(A;;FA;;;BA)(A;;FA;;;SY)";

// libuv keeps several instances listening, so every one is connected only when clients arrive at
// the same moment; then a free one is waited for (WaitNamedPipeW), a few times, briefly.
constexpr int kBusyAttempts = 5;
constexpr DWORD kBusyWaitMs = 200;

bool Fail(PipeSecurityFailure& failure, const char* call, DWORD code, const char* detail = "") {
  failure.win32_code = code;
  failure.call = call;
  failure.detail = detail;
  return false;
}

class PipeClient {
 public:
  PipeClient() = default;
  PipeClient(const PipeClient&) = delete;
  PipeClient& operator=(const PipeClient&) = delete;
  ~PipeClient() {
    // Closing disconnects: the server reads the end of a connection that sent nothing.
    if (handle_ != INVALID_HANDLE_VALUE) CloseHandle(handle_);
  }

  // Connects with only the rights asked for (no data access). SECURITY_IDENTIFICATION: the server,
  // our own, has no use for impersonating this process.
  bool Open(const std::u16string& path, DWORD access, PipeSecurityFailure& failure) {
    const wchar_t* name = reinterpret_cast<const wchar_t*>(path.c_str());
    for (int attempt = 1;; ++attempt) {
      handle_ = CreateFileW(name, access, 0, nullptr, OPEN_EXISTING,
                            SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION, nullptr);
      if (handle_ != INVALID_HANDLE_VALUE) return true;
      DWORD code = GetLastError();
      if (code != ERROR_PIPE_BUSY || attempt == kBusyAttempts) return Fail(failure, "CreateFileW", code);
      WaitNamedPipeW(name, kBusyWaitMs);
    }
  }

  HANDLE get() const { return handle_; }

 private:
  HANDLE handle_ = INVALID_HANDLE_VALUE;
};

bool TokenHas(WELL_KNOWN_SID_TYPE type, bool& member, PipeSecurityFailure& failure) {
  BYTE sid[SECURITY_MAX_SID_SIZE];
  DWORD size = sizeof sid;
  if (!CreateWellKnownSid(type, nullptr, sid, &size)) {
    return Fail(failure, "CreateWellKnownSid", GetLastError());
  }
  // A null token: the calling thread's, or a copy of the process's; a UAC-filtered
  // Administrators entry (deny-only) does not count, as it grants nothing.
  BOOL is_member = FALSE;
  if (!CheckTokenMembership(nullptr, sid, &is_member)) {
    return Fail(failure, "CheckTokenMembership", GetLastError());
  }
  member = is_member != FALSE;
  return true;
}

// A process outside the new DACL could not create the pipe's next instance: its endpoint would
// stop accepting after the first few clients. It is refused before anything changes.
bool ProcessIsAdministratorOrSystem(PipeSecurityFailure& failure) {
  bool administrator = false;
  bool system = false;
  if (!TokenHas(WinBuiltinAdministratorsSid, administrator, failure)) return false;
  if (!administrator && !TokenHas(WinLocalSystemSid, system, failure)) return false;
  if (administrator || system) return true;
  return Fail(failure, "CheckTokenMembership", ERROR_ACCESS_DENIED,
              "this process is neither an elevated Administrator nor LocalSystem, the only ones the "
              "control pipe admits");
}

}  // namespace

bool RestrictPipeToAdministrators(const std::u16string& path, PipeSecurityFailure& failure) {
  if (!ProcessIsAdministratorOrSystem(failure)) return false;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(kAdministratorsOnly, SDDL_REVISION_1,
                                                            &descriptor, nullptr)) {
    return Fail(failure, "ConvertStringSecurityDescriptorToSecurityDescriptorW", GetLastError());
  }
  BOOL present = FALSE;
  BOOL defaulted = FALSE;
  PACL dacl = nullptr;
  bool done = false;
  if (!GetSecurityDescriptorDacl(descriptor, &present, &dacl, &defaulted)) {
    Fail(failure, "GetSecurityDescriptorDacl", GetLastError());
  } else {
    // The default DACL gives the creator owner (this process) full control, WRITE_DAC included.
    PipeClient pipe;
    if (pipe.Open(path, READ_CONTROL | WRITE_DAC, failure)) {
      DWORD code = SetSecurityInfo(pipe.get(), SE_KERNEL_OBJECT,
                                   DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                                   nullptr, nullptr, dacl, nullptr);
      done = code == ERROR_SUCCESS || Fail(failure, "SetSecurityInfo", code);
    }
  }
  LocalFree(descriptor);
  return done;
}

bool ReadPipeDacl(const std::u16string& path, std::string& sddl, PipeSecurityFailure& failure) {
  PipeClient pipe;
  if (!pipe.Open(path, READ_CONTROL, failure)) return false;
  PSECURITY_DESCRIPTOR descriptor = nullptr;
  DWORD code = GetSecurityInfo(pipe.get(), SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, nullptr,
                               nullptr, nullptr, nullptr, &descriptor);
  if (code != ERROR_SUCCESS) return Fail(failure, "GetSecurityInfo", code);
  LPWSTR text = nullptr;
  bool converted = ConvertSecurityDescriptorToStringSecurityDescriptorW(
                       descriptor, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, nullptr) != FALSE;
  if (!converted) Fail(failure, "ConvertSecurityDescriptorToStringSecurityDescriptorW", GetLastError());
  if (converted) {
    sddl = magma::netadapters::Utf8Of(text, std::wcslen(text));
    LocalFree(text);
  }
  LocalFree(descriptor);
  return converted;
}

}  // namespace magma::control
