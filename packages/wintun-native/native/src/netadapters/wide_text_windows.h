// UTF-16 from the registry, SetupAPI and IP Helper to the UTF-8 JavaScript receives. Windows only.
#pragma once

#include <windows.h>

#include <string>

namespace magma::netadapters {

// `length` in WCHARs without a terminating NUL; text that does not convert gives "".
inline std::string Utf8Of(const wchar_t* text, size_t length) {
  if (length == 0) return std::string();
  int bytes = WideCharToMultiByte(CP_UTF8, 0, text, static_cast<int>(length), nullptr, 0,
                                  nullptr, nullptr);
  if (bytes <= 0) return std::string();
  std::string utf8(static_cast<size_t>(bytes), '\0');
  WideCharToMultiByte(CP_UTF8, 0, text, static_cast<int>(length), &utf8[0], bytes, nullptr,
                      nullptr);
  return utf8;
}

inline std::string Utf8Of(const std::wstring& text) { return Utf8Of(text.data(), text.size()); }

}  // namespace magma::netadapters
