// wintun's read event is an auto-reset event: a satisfied wait consumes the signal. A manual-reset
// quit event of our own stays signalled once set, so shutdown cannot be missed.
#include <windows.h>

#include "read_wait.h"

namespace magma::wintun {
namespace {

class EventReadWaiter final : public ReadWaiter {
 public:
  explicit EventReadWaiter(HANDLE read_event)
      : read_event_(read_event), quit_(CreateEventW(nullptr, TRUE, FALSE, nullptr)) {}
  ~EventReadWaiter() override {
    if (quit_ != nullptr) CloseHandle(quit_);
  }
  EventReadWaiter(const EventReadWaiter&) = delete;
  EventReadWaiter& operator=(const EventReadWaiter&) = delete;
  bool ok() const override { return quit_ != nullptr; }
  Outcome Wait() override;
  void Wake() override { SetEvent(quit_); }

 private:
  HANDLE read_event_;
  HANDLE quit_;
};

ReadWaiter::Outcome EventReadWaiter::Wait() {
  HANDLE handles[2] = {quit_, read_event_};
  DWORD result = WaitForMultipleObjects(2, handles, FALSE, INFINITE);
  if (result == WAIT_OBJECT_0) return Outcome::kWoken;
  if (result == WAIT_OBJECT_0 + 1) return Outcome::kReadable;
  return Outcome::kFailed;
}

}  // namespace

std::unique_ptr<ReadWaiter> NewWintunReadWaiter(HANDLE read_event) {
  return std::make_unique<EventReadWaiter>(read_event);
}

}  // namespace magma::wintun
