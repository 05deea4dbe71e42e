// Strict mode (TAP_EMU_STRICT=1 or TapEmuSetStrictMode): call sequences that corrupt memory or
// hang on Windows abort at once, naming the call; sequences that are only suspicious are printed
// and recorded, so a test can read them.
#pragma once

#include <cstdint>
#include <string>

namespace tap_emu {

bool strictMode();
void setStrictMode(bool enabled);
// Aborts in strict mode; otherwise does nothing (the caller then returns its Win32 error).
void strictViolation(const char *call, const char *format, ...) __attribute__((format(printf, 2, 3)));
// Prints and records in strict mode; otherwise does nothing.
void strictWarning(const char *call, const char *format, ...) __attribute__((format(printf, 2, 3)));
uint32_t strictWarningCount();
std::string lastStrictWarning();

}  // namespace tap_emu
