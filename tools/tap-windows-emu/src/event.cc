#include "event.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace tap_emu {

namespace {

struct Dispatcher {
  std::mutex mutex;
  std::condition_variable changed;
};

Dispatcher &dispatcher() {
  static Dispatcher instance;
  return instance;
}

}  // namespace

void Event::set() {
  Dispatcher &d = dispatcher();
  {
    std::lock_guard<std::mutex> lock(d.mutex);
    signaled_ = true;
  }
  d.changed.notify_all();
}

void Event::reset() {
  std::lock_guard<std::mutex> lock(dispatcher().mutex);
  signaled_ = false;
}

DWORD Event::waitFor(Event *const *events, DWORD count, bool waitAll, DWORD milliseconds) {
  Dispatcher &d = dispatcher();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(milliseconds);
  std::unique_lock<std::mutex> lock(d.mutex);
  while (true) {
    if (waitAll) {
      bool all = true;
      for (DWORD i = 0; i < count && all; ++i) all = events[i]->signaled_;
      if (all) {
        // Satisfying the wait consumes every auto-reset event in it, and only then.
        for (DWORD i = 0; i < count; ++i) {
          if (!events[i]->manualReset_) events[i]->signaled_ = false;
        }
        return WAIT_OBJECT_0;
      }
    } else {
      for (DWORD i = 0; i < count; ++i) {
        if (events[i]->signaled_) {
          if (!events[i]->manualReset_) events[i]->signaled_ = false;
          return WAIT_OBJECT_0 + i;  // the lowest index wins, as documented
        }
      }
    }
    if (milliseconds == 0) return WAIT_TIMEOUT;
    if (milliseconds == INFINITE) {
      d.changed.wait(lock);
    } else if (d.changed.wait_until(lock, deadline) == std::cv_status::timeout) {
      milliseconds = 0;  // one last look, then WAIT_TIMEOUT
    }
  }
}

}  // namespace tap_emu
