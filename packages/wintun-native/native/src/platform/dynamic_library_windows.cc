// LoadLibraryExW for wintun.dll. The default search is restricted to the application directory
// and System32, as wintun's example does, so a planted DLL in the current directory or on PATH is
// never loaded; an explicit path loads exactly that file (its own directory resolves its imports).
#include <windows.h>

#include <string>

#include "dynamic_library.h"
#include "wintun_api.h"

namespace magma::wintun {
namespace {

std::wstring Utf16FromUtf8(const std::string& text) {
  if (text.empty()) return std::wstring();
  int length = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring result(static_cast<size_t>(length), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), &result[0], length);
  return result;
}

std::string DescribeWin32Error(DWORD code) {
  char buffer[512];
  DWORD length = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, nullptr, code, 0,
                                buffer, sizeof buffer, nullptr);
  while (length > 0 && (buffer[length - 1] == '\n' || buffer[length - 1] == '\r')) --length;
  return std::string(buffer, length);
}

}  // namespace

const char* const kOpenLibraryCall = "LoadLibraryExW";
const char* const kFindSymbolCall = "GetProcAddress";

void* OpenDynamicLibrary(const std::string& path, LoadFailure& failure) {
  HMODULE library;
  if (path.empty()) {
    library = LoadLibraryExW(L"wintun.dll", nullptr, LOAD_LIBRARY_SEARCH_APPLICATION_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
  } else {
    std::wstring wide = Utf16FromUtf8(path);
    library = LoadLibraryExW(wide.c_str(), nullptr, LOAD_LIBRARY_SEARCH_DLL_LOAD_DIR | LOAD_LIBRARY_SEARCH_SYSTEM32);
  }
  if (library != nullptr) return reinterpret_cast<void*>(library);
  DWORD code = GetLastError();
  failure.win32_code = code;
  failure.detail = DescribeWin32Error(code);
  return nullptr;
}

void* FindLibrarySymbol(void* library, const char* name) {
  return reinterpret_cast<void*>(GetProcAddress(reinterpret_cast<HMODULE>(library), name));
}

}  // namespace magma::wintun
