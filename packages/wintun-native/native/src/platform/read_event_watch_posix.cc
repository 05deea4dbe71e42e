// The emulator's read event is an eventfd (tools/wintun-emu README, "Read event"): a uv_poll_t on
// it in the JavaScript thread's loop. Reading its 8-byte counter resets it; the eventfd is
// non-blocking, so a read that finds it reset already (the receive thread took the signal before
// it lent the ring) returns EAGAIN and costs nothing.
#include <poll.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "read_event_watch.h"

namespace magma::wintun {
namespace {

class PollReadEventWatch final : public ReadEventWatch {
 public:
  PollReadEventWatch(napi_env env, int fd, OnReadable on_readable, void* context)
      : env_(env), fd_(fd), on_readable_(on_readable), context_(context) {}

  bool InitPoll(uv_loop_t* loop) {
    loop_ = loop;
    if (uv_poll_init(loop, &poll_, fd_) != 0) return false;
    poll_.data = this;
    return true;
  }

  // From here the handle is in the loop: it must be closed, and a worker's loop only closes empty.
  // The hook makes teardown run the loop until our close callback has run.
  bool AddCleanupHook() {
    if (napi_add_async_cleanup_hook(env_, AtTeardown, this, &cleanup_) == napi_ok) return true;
    cleanup_ = nullptr;
    return false;
  }

  bool Start() override {
    if (handle_closing_) return false;
    if (started_) return true;
    if (uv_poll_start(&poll_, UV_READABLE, OnPoll) != 0) return false;
    started_ = true;
    return true;
  }

  bool StartSignalled() override {
    // The emulator's README allows it ("Read event"): an eventfd we may write 1 to. Signalled
    // before the watch starts, so the loop sees it readable on its next poll.
    const uint64_t one = 1;
    if (write(fd_, &one, sizeof one) != sizeof one) return false;
    return Start();
  }

  bool LoopHasNothingDue() override {
    uint64_t counter;
    if (read(fd_, &counter, sizeof counter) < 0 && errno != EAGAIN) return false;
    // The loop's clock stands still while a callback runs; timers are due against the present.
    uv_update_time(loop_);
    if (uv_backend_timeout(loop_) == 0) return false;
    // An epoll set polls readable while any descriptor in it is ready; polling it consumes nothing.
    pollfd loop_poll{uv_backend_fd(loop_), POLLIN, 0};
    return poll(&loop_poll, 1, 0) == 0;
  }

  Slept Sleep(std::chrono::microseconds at_most) override {
    if (!referenced_ || at_most.count() <= 0) return Slept::kTurn;
    uv_update_time(loop_);
    const int timer_ms = uv_backend_timeout(loop_);  // -1: no timer
    if (timer_ms == 0) return Slept::kTurn;
    int64_t sleep_us = at_most.count();
    if (timer_ms > 0) sleep_us = std::min<int64_t>(sleep_us, int64_t{timer_ms} * 1000);
    const timespec timeout{static_cast<time_t>(sleep_us / 1'000'000), static_cast<long>(sleep_us % 1'000'000) * 1000};
    // The loop's poll set holds this watch's event too (it is started), so it is ready whenever
    // the event is: which of the two woke us is told below.
    pollfd fds[2] = {{fd_, POLLIN, 0}, {uv_backend_fd(loop_), POLLIN, 0}};
    if (ppoll(fds, 2, &timeout, nullptr) <= 0 || (fds[0].revents & POLLIN) == 0) return Slept::kTurn;
    return LoopHasNothingDue() ? Slept::kReadable : Slept::kTurnSignalled;
  }

  void Stop() override {
    if (handle_closing_ || !started_) return;
    uv_poll_stop(&poll_);
    started_ = false;
  }

  void SetReferenced(bool referenced) override {
    if (handle_closing_) return;
    referenced_ = referenced;
    if (referenced) {
      uv_ref(reinterpret_cast<uv_handle_t*>(&poll_));
    } else {
      uv_unref(reinterpret_cast<uv_handle_t*>(&poll_));
    }
  }

  void Close() override {
    owner_closed_ = true;
    on_readable_ = nullptr;
    CloseHandle();
    FreeIfDone();
  }

 private:
  static void OnPoll(uv_poll_t* handle, int status, int) {
    auto* self = static_cast<PollReadEventWatch*>(handle->data);
    bool failed = status < 0;
    if (!failed) {
      uint64_t counter;
      // Before the ring is read: a packet the driver publishes after this read signals again.
      failed = read(self->fd_, &counter, sizeof counter) < 0 && errno != EAGAIN;
    }
    if (failed) self->Stop();  // level-triggered: an error would be reported on every turn
    if (self->on_readable_ != nullptr) self->on_readable_(self->context_, failed);
  }

  // Environment teardown (process exit, worker.terminate()): close the handle if the owner has
  // not; the close callback then tells Node we are done.
  static void AtTeardown(napi_async_cleanup_hook_handle, void* arg) {
    auto* self = static_cast<PollReadEventWatch*>(arg);
    self->on_readable_ = nullptr;
    self->CloseHandle();
  }

  void CloseHandle() {
    if (handle_closing_) return;
    handle_closing_ = true;
    started_ = false;
    uv_close(reinterpret_cast<uv_handle_t*>(&poll_), OnHandleClosed);
  }

  static void OnHandleClosed(uv_handle_t* handle) {
    auto* self = static_cast<PollReadEventWatch*>(handle->data);
    self->handle_closed_ = true;
    if (self->cleanup_ != nullptr) napi_remove_async_cleanup_hook(self->cleanup_);
    self->cleanup_ = nullptr;
    self->FreeIfDone();
  }

  // Both the owner and libuv hold the memory: the owner until Close(), libuv until the close callback.
  void FreeIfDone() {
    if (owner_closed_ && handle_closed_) delete this;
  }

  uv_poll_t poll_{};
  uv_loop_t* loop_ = nullptr;
  bool referenced_ = true;
  napi_env env_;
  int fd_;
  OnReadable on_readable_;
  void* context_;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
  bool started_ = false;
  bool handle_closing_ = false;
  bool handle_closed_ = false;
  bool owner_closed_ = false;
};

}  // namespace

ReadEventWatch* ReadEventWatch::Open(napi_env env, HANDLE read_event, OnReadable on_readable, void* context) {
  uv_loop_t* loop = nullptr;
  if (read_event == nullptr || napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) return nullptr;
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(read_event));
  auto* watch = new PollReadEventWatch(env, fd, on_readable, context);
  if (!watch->InitPoll(loop)) {
    delete watch;
    return nullptr;
  }
  if (!watch->AddCleanupHook()) {
    watch->Close();  // freed by its close callback
    return nullptr;
  }
  return watch;
}

}  // namespace magma::wintun
