// NUL-terminated UTF-16 strings as the API passes them (never wchar_t, which is 32 bits here).
#pragma once

#include <cstddef>
#include <string>

#include "wintun_api.h"

namespace wintun_emu {

using Utf16String = std::u16string;

// Code units before the NUL, counting at most `limit + 1` so an unterminated giant is not walked.
size_t utf16Length(const WINTUN_WCHAR *text, size_t limit);
Utf16String utf16Copy(const WINTUN_WCHAR *text, size_t length);
// Equal ignoring case, as WintunOpenAdapter compares names: simple case mapping of ASCII,
// Latin-1, Greek and Cyrillic letters; other code units compare exactly.
bool utf16EqualIgnoringCase(const Utf16String &a, const Utf16String &b);
// The upper-case code unit that comparison uses.
char16_t utf16SimpleUpper(char16_t c);
std::string utf16ToUtf8(const Utf16String &text);
Utf16String utf8ToUtf16(const std::string &text);

}  // namespace wintun_emu
