#include "interface_names.h"

#include <cstdio>

namespace wintun_emu {

namespace {

constexpr size_t kMaxInterfaceName = 15;  // IFNAMSIZ - 1
constexpr size_t kDerivedPrefix = 10;     // leaves room for "-xxxx"
constexpr size_t kMaxAlias = 255;         // IFALIASZ - 1
constexpr size_t kHashedAliasPrefix = kMaxAlias - 9;  // leaves room for "~xxxxxxxx"

bool isPlainCharacter(char16_t c) {
  return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9') ||
         c == u'_' || c == u'.' || c == u'-';
}

// FNV-1a over the code units, low byte first.
uint32_t hashUnits(const Utf16String &text, bool ignoringCase) {
  uint32_t hash = 2166136261u;
  for (char16_t unit : text) {
    char16_t c = ignoringCase ? utf16SimpleUpper(unit) : unit;
    hash = (hash ^ (c & 0xFF)) * 16777619u;
    hash = (hash ^ (c >> 8)) * 16777619u;
  }
  return hash;
}

std::string hex(uint32_t value, int digits) {
  char text[9];
  std::snprintf(text, sizeof text, "%0*x", digits, static_cast<unsigned>(value));
  return text;
}

// How many bytes of `utf8` fit in `limit` without splitting a character.
size_t wholeCharacters(const std::string &utf8, size_t limit) {
  if (utf8.size() <= limit) return utf8.size();
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(utf8[end]) & 0xC0) == 0x80) --end;
  return end;
}

}  // namespace

std::string linuxInterfaceName(const Utf16String &name) {
  bool plain = !name.empty() && name.size() <= kMaxInterfaceName && name != u"." && name != u"..";
  for (char16_t c : name) plain = plain && isPlainCharacter(c);
  if (plain) return utf16ToUtf8(name);
  std::string prefix;
  for (size_t i = 0; i < name.size(); ++i) {
    char16_t c = name[i];
    // A surrogate pair is one character.
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < name.size() && name[i + 1] >= 0xDC00 &&
        name[i + 1] <= 0xDFFF) {
      ++i;
    }
    char mapped = isPlainCharacter(c) ? static_cast<char>(c) : '-';
    if (mapped == '-' && (prefix.empty() || prefix.back() == '-')) continue;
    prefix += mapped;
  }
  if (prefix.size() > kDerivedPrefix) prefix.resize(kDerivedPrefix);
  while (!prefix.empty() && prefix.back() == '-') prefix.pop_back();
  if (prefix.empty()) prefix = "wintun";
  uint32_t hash = hashUnits(name, false);
  return prefix + "-" + hex((hash >> 16) ^ (hash & 0xFFFF), 4);
}

std::string linuxInterfaceNameAlternative(const std::string &preferred, int attempt) {
  std::string suffix = "-" + std::to_string(attempt);
  std::string base = preferred.substr(0, kMaxInterfaceName - suffix.size());
  return base + suffix;
}

std::string aliasForName(const Utf16String &name) {
  std::string utf8 = utf16ToUtf8(name);
  if (utf8.size() <= kMaxAlias) return utf8;
  return utf8.substr(0, wholeCharacters(utf8, kHashedAliasPrefix)) + "~" +
         hex(hashUnits(name, true), 8);
}

bool aliasNames(const std::string &alias, const Utf16String &name) {
  return utf16EqualIgnoringCase(utf8ToUtf16(alias), utf8ToUtf16(aliasForName(name)));
}

}  // namespace wintun_emu
