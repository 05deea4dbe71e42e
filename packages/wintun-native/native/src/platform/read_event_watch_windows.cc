// libuv cannot wait on a Windows event HANDLE: a JavaScript thread that finds the ring empty gives
// it back to the receive thread, which waits on the read event (read_wait_windows.cc).
#include "read_event_watch.h"

namespace magma::wintun {

ReadEventWatch* ReadEventWatch::Open(napi_env, HANDLE, OnReadable, void*) { return nullptr; }

}  // namespace magma::wintun
