// UTF-16 text as the TAP function table takes it (WCHAR: wchar_t on Windows, char16_t in the
// emulator's header), kept in std::u16string on both sides, and the ASCII conversions the
// registry paths and GUIDs need.
#pragma once

#include <string>

#include "tap_windows_api.h"

namespace magma::tap {

static_assert(sizeof(WCHAR) == sizeof(char16_t), "WCHAR is one UTF-16 code unit on both platforms");

inline const WCHAR* Wide(const std::u16string& text) {
  return reinterpret_cast<const WCHAR*>(text.c_str());
}

inline WCHAR* Wide(char16_t* text) { return reinterpret_cast<WCHAR*>(text); }

// Registry paths and GUIDs are ASCII; every byte becomes one code unit.
inline std::u16string Utf16OfAscii(const std::string& text) {
  return std::u16string(text.begin(), text.end());
}

// A GUID string read from the registry, back to ASCII; false if any unit is not ASCII (then it
// is no GUID, and no emulator or IP Helper call can take it).
inline bool AsciiOfUtf16(const std::u16string& text, std::string& ascii) {
  ascii.clear();
  for (char16_t unit : text) {
    if (unit == 0 || unit > 0x7F) return false;
    ascii.push_back(static_cast<char>(unit));
  }
  return true;
}

// Registry names compare without regard to case (winreg.h); ComponentId values are ASCII
// hardware ids, compared the same way (reference B.1.2).
inline bool EqualsIgnoringAsciiCase(const std::u16string& text, const char* ascii) {
  size_t i = 0;
  for (; ascii[i] != '\0'; ++i) {
    if (i >= text.size()) return false;
    char16_t a = text[i];
    char16_t b = static_cast<unsigned char>(ascii[i]);
    if (a >= u'A' && a <= u'Z') a = static_cast<char16_t>(a - u'A' + u'a');
    if (b >= u'A' && b <= u'Z') b = static_cast<char16_t>(b - u'A' + u'a');
    if (a != b) return false;
  }
  return i == text.size();
}

}  // namespace magma::tap
