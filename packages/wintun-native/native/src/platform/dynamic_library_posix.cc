// dlopen for the emulator of wintun.dll (libwintun.so). dlopen reports failures as text only, so
// the text is mapped to the Win32 code wintun.dll's loader would have given.
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstring>

#include "dynamic_library.h"
#include "wintun_api.h"

namespace magma::wintun {

const char* const kOpenLibraryCall = "dlopen";
const char* const kFindSymbolCall = "dlsym";

void* OpenDynamicLibrary(const std::string& path, LoadFailure& failure) {
  const std::string target = path.empty() ? std::string("libwintun.so") : path;
  void* library = dlopen(target.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library != nullptr) return library;
  const char* message = dlerror();
  failure.detail = message != nullptr ? message : "dlopen failed";
  struct stat info;
  if (!path.empty() && stat(path.c_str(), &info) != 0) {
    failure.win32_code = WINTUN_ERROR_MOD_NOT_FOUND;
  } else if (failure.detail.find("wrong ELF class") != std::string::npos ||
             failure.detail.find("invalid ELF header") != std::string::npos ||
             failure.detail.find("file too short") != std::string::npos ||
             failure.detail.find("ELF load command") != std::string::npos) {
    failure.win32_code = WINTUN_ERROR_BAD_EXE_FORMAT;
  } else if (failure.detail.find("undefined symbol") != std::string::npos) {
    failure.win32_code = WINTUN_ERROR_PROC_NOT_FOUND;
  } else {
    failure.win32_code = WINTUN_ERROR_MOD_NOT_FOUND;
  }
  return nullptr;
}

void* FindLibrarySymbol(void* library, const char* name) { return dlsym(library, name); }

}  // namespace magma::wintun
