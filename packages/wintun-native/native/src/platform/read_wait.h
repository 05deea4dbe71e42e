// How the receive thread sleeps until its ring has packets or it is asked to stop. Each kind of
// ring brings its own (PacketRing::NewReadWaiter): wintun's read event HANDLE plus a quit event on
// Windows (read_wait_windows.cc), the emulator's eventfd plus a wake eventfd on Linux
// (read_wait_posix.cc); a TAP device's read-completion event through its Win32 table
// (tap/tap_packet_ring.cc).
#pragma once

#include <cstdint>
#include <memory>

#include "wintun_api.h"

namespace magma::wintun {

class ReadWaiter {
 public:
  enum class Outcome { kReadable, kWoken, kFailed };

  virtual ~ReadWaiter() = default;
  // False when the wait primitive could not be created (the Win32 code is the last error).
  virtual bool ok() const = 0;
  // Blocks until the ring may have packets or Wake() was called. Wake is sticky: every later Wait
  // returns kWoken at once.
  virtual Outcome Wait() = 0;
  // Any thread.
  virtual void Wake() = 0;
};

// The waiter over wintun's read event (WintunGetReadWaitEvent's handle, which belongs to the
// session, not to the waiter): an auto-reset event, whose satisfied wait consumes the signal.
std::unique_ptr<ReadWaiter> NewWintunReadWaiter(HANDLE read_event);

}  // namespace magma::wintun
