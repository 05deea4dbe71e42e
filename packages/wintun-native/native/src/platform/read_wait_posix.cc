// The emulator's read event is an eventfd: readable while signalled, and reading its 8-byte
// counter resets it (auto-reset). A second eventfd of our own wakes the thread for shutdown.
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "last_error.h"
#include "read_wait.h"

namespace magma::wintun {
namespace {

class EventFdReadWaiter final : public ReadWaiter {
 public:
  explicit EventFdReadWaiter(HANDLE read_event);
  ~EventFdReadWaiter() override;
  EventFdReadWaiter(const EventFdReadWaiter&) = delete;
  EventFdReadWaiter& operator=(const EventFdReadWaiter&) = delete;
  bool ok() const override { return wake_ >= 0; }
  Outcome Wait() override;
  void Wake() override;

 private:
  HANDLE read_event_;
  int wake_ = -1;
};

EventFdReadWaiter::EventFdReadWaiter(HANDLE read_event) : read_event_(read_event) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd >= 0) wake_ = fd;
  else SetWin32ErrorFromErrno();
}

EventFdReadWaiter::~EventFdReadWaiter() {
  if (wake_ >= 0) close(wake_);
}

ReadWaiter::Outcome EventFdReadWaiter::Wait() {
  const int read_fd = static_cast<int>(reinterpret_cast<intptr_t>(read_event_));
  struct pollfd fds[2] = {{wake_, POLLIN, 0}, {read_fd, POLLIN, 0}};
  for (;;) {
    int ready = poll(fds, 2, -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      SetWin32ErrorFromErrno();
      return Outcome::kFailed;
    }
    if (fds[0].revents != 0) return Outcome::kWoken;
    if (fds[1].revents & POLLIN) {
      uint64_t counter;
      // We are the event's only reader, so POLLIN guarantees this read does not block.
      if (read(read_fd, &counter, sizeof counter) < 0 && errno != EAGAIN) {
        SetWin32ErrorFromErrno();
        return Outcome::kFailed;
      }
      return Outcome::kReadable;
    }
    if (fds[1].revents != 0) {
      // POLLNVAL: the session's event was closed under us; POLLERR/POLLHUP: it failed.
      SetWin32Error((fds[1].revents & POLLNVAL) != 0 ? WINTUN_ERROR_INVALID_HANDLE : WINTUN_ERROR_GEN_FAILURE);
      return Outcome::kFailed;
    }
  }
}

void EventFdReadWaiter::Wake() {
  uint64_t one = 1;
  // Cannot fail short of counter overflow, which 2^64 wakes would take.
  [[maybe_unused]] ssize_t written = write(wake_, &one, sizeof one);
}

}  // namespace

std::unique_ptr<ReadWaiter> NewWintunReadWaiter(HANDLE read_event) {
  return std::make_unique<EventFdReadWaiter>(read_event);
}

}  // namespace magma::wintun
