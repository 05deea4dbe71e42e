// Strict mode (WINTUN_EMU_STRICT=1 or WintunEmuSetStrictMode): misuse that corrupts memory or
// crashes on Windows aborts at once, naming the call, instead of corrupting silently.
#pragma once

namespace wintun_emu {

bool strictMode();
void setStrictMode(bool enabled);
[[noreturn]] void strictAbort(const char *call, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

}  // namespace wintun_emu
