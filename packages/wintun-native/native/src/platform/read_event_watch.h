// Lets the JavaScript thread's own event loop wait for the read event, so that while that thread
// holds the receive ring the driver's signal wakes it directly, with no receive thread in between:
// one wake-up per packet at low load, as a single-threaded C program has. Linux only: the
// emulator's read event is an eventfd libuv can poll (read_event_watch_posix.cc); wintun's is an
// event HANDLE libuv cannot wait on, so there Open gives nothing and the ring goes back to the
// receive thread, which waits on the event itself (read_event_watch_windows.cc).
#pragma once

#include <node_api.h>

#include <chrono>

#include "wintun_api.h"

namespace magma::wintun {

class ReadEventWatch {
 public:
  // `failed`: the loop reported an error on the event; the caller should stop watching.
  using OnReadable = void (*)(void* context, bool failed);

  // JavaScript thread. nullptr where the event loop cannot watch the read event, or on failure.
  // `read_event` belongs to the session and must outlive the watch's Close().
  static ReadEventWatch* Open(napi_env env, HANDLE read_event, OnReadable on_readable, void* context);

  // While started, each signal of the read event calls `on_readable` on the JavaScript thread,
  // after consuming the signal (auto-reset), so a packet published after that call signals anew.
  virtual bool Start() = 0;
  virtual void Stop() = 0;
  // Starts the watch with the read event signalled by us, so `on_readable` runs in the loop's next
  // poll phase, after whatever else is ready: a turn of the event loop that allocates nothing,
  // where setImmediate() would put an object on the JavaScript heap for every turn. The event is
  // the session's, so a driver signal that comes meanwhile is taken by the same call.
  virtual bool StartSignalled() = 0;
  // The JavaScript thread holding the ring would go on receiving without a turn (its budget is
  // spent, or a packet came while it slept): whether its event loop has nothing due, so that a turn
  // would only cost time (and, in Node, an object on the heap per turn). Nothing
  // due: no timer expired and no immediate, pending or closing callback (uv_backend_timeout), and
  // no I/O ready in the loop's poll set. The read event's own signal would show there as ready, so
  // this consumes it: the caller holds the ring and looks at it next.
  virtual bool LoopHasNothingDue() = 0;
  // What Sleep found.
  enum class Slept {
    kReadable,       // the read event was signalled, and the signal is consumed: receive on
    kTurn,           // a timer is due or other I/O is ready (or the watch is unref'd): let the loop turn
    kTurnSignalled,  // both: the loop must turn, and the consumed signal be given back first
  };
  // The JavaScript thread holds an empty ring, has run its ticks, and its loop has nothing due:
  // sleeps in the loop's stead, on the read event and the loop's poll set together, for at most
  // `at_most` and never past the loop's next timer, so a packet that comes first is received
  // without a turn (and, in Node, the object every turn puts on the heap). Bounded because the
  // time counts as busy in the loop's utilization, as a spin does. Only for a referenced watch: an
  // unreferenced one leaves it to the loop whether the process lives on.
  virtual Slept Sleep(std::chrono::microseconds at_most) = 0;
  // Whether a started watch keeps the event loop alive (uv_ref / uv_unref). A stopped one never does.
  virtual void SetReferenced(bool referenced) = 0;
  // No callback after this; the owner lets go of the pointer. The watch frees itself once libuv is
  // done with it, and makes environment teardown wait for that (a worker's loop must close empty).
  virtual void Close() = 0;

 protected:
  ReadEventWatch() = default;
  virtual ~ReadEventWatch() = default;
};

}  // namespace magma::wintun
