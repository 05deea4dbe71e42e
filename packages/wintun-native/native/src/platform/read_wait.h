// How the receive thread sleeps until the ring has packets or it is asked to stop: an event
// HANDLE plus a quit event on Windows (read_wait_windows.cc), the emulator's eventfd plus a wake
// eventfd on Linux (read_wait_posix.cc). This is the only platform fork of the session logic.
#pragma once

#include <cstdint>

#include "wintun_api.h"

namespace magma::wintun {

class ReadWaiter {
 public:
  enum class Outcome { kReadable, kWoken, kFailed };

  // `read_event` is WintunGetReadWaitEvent's handle; it belongs to the session, not to us.
  explicit ReadWaiter(HANDLE read_event);
  ~ReadWaiter();
  ReadWaiter(const ReadWaiter&) = delete;
  ReadWaiter& operator=(const ReadWaiter&) = delete;

  bool ok() const { return wake_ != kInvalid; }
  // Blocks until the read event is signalled (consuming the auto-reset signal) or Wake() was
  // called. Wake is sticky: every later Wait returns kWoken at once.
  Outcome Wait();
  // Any thread.
  void Wake();

 private:
  static constexpr intptr_t kInvalid = -1;
  HANDLE read_event_;
  intptr_t wake_ = kInvalid;
};

}  // namespace magma::wintun
