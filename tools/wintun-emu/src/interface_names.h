// How a Wintun adapter name appears on Linux. Wintun accepts any name of 1 to 127 UTF-16 code
// units; a Linux interface name is at most 15 bytes and the kernel, `ip` and shells cope best
// with [A-Za-z0-9_.-]. So the adapter keeps its Wintun name in the interface's alias
// (IFLA_IFALIAS, at most 255 bytes, shown by `ip link`), where every process of the namespace
// finds it, and gets an interface name derived from it deterministically.
#pragma once

#include <cstdint>
#include <string>

#include "utf16.h"

namespace wintun_emu {

// The interface name an adapter called `name` asks for: the name itself when it is 1 to 15 of
// [A-Za-z0-9_.-] and not "." or "..". Otherwise up to 10 characters of it (every other character
// becomes '-', runs of '-' collapse, '-' trimmed at both ends; "wintun" when nothing is left),
// then '-' and four hex digits of a hash of the whole name: "Magma TAP" -> "Magma-TAP-xxxx".
std::string linuxInterfaceName(const Utf16String &name);
// The name to try when `preferred` is taken by another interface: `preferred` shortened to fit
// and "-<attempt>" appended ("mgw" -> "mgw-1", "mgw-2", ...).
std::string linuxInterfaceNameAlternative(const std::string &preferred, int attempt);

// The alias that records `name`: its UTF-8 when that fits in 255 bytes, else as much of it as
// fits in 246 bytes, '~' and eight hex digits of a hash of the name ignoring case.
std::string aliasForName(const Utf16String &name);
// Whether `alias` records `name` (compared ignoring case, as WintunOpenAdapter compares).
bool aliasNames(const std::string &alias, const Utf16String &name);

}  // namespace wintun_emu
