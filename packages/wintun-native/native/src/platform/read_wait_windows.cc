// wintun's read event is an auto-reset event: a satisfied wait consumes the signal. A manual-reset
// quit event of our own stays signalled once set, so shutdown cannot be missed.
#include <windows.h>

#include "read_wait.h"

namespace magma::wintun {

ReadWaiter::ReadWaiter(HANDLE read_event) : read_event_(read_event) {
  HANDLE quit = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  if (quit != nullptr) wake_ = reinterpret_cast<intptr_t>(quit);
}

ReadWaiter::~ReadWaiter() {
  if (wake_ != kInvalid) CloseHandle(reinterpret_cast<HANDLE>(wake_));
}

ReadWaiter::Outcome ReadWaiter::Wait() {
  HANDLE handles[2] = {reinterpret_cast<HANDLE>(wake_), read_event_};
  DWORD result = WaitForMultipleObjects(2, handles, FALSE, INFINITE);
  if (result == WAIT_OBJECT_0) return Outcome::kWoken;
  if (result == WAIT_OBJECT_0 + 1) return Outcome::kReadable;
  return Outcome::kFailed;
}

void ReadWaiter::Wake() { SetEvent(reinterpret_cast<HANDLE>(wake_)); }

}  // namespace magma::wintun
