// A session's send ring opened to other threads: worker threads of the same process send into it
// directly, in batches, without a hop through the thread that owns the session.
//
// wintun serialises concurrent senders itself (wintun-api.md §3.7: several sender threads are
// safe, each Allocate/Send under the send lock), but WintunEndSession has no synchronisation: no
// thread may be inside a call on the session when it runs. So every send from another thread holds
// `lock` shared and checks `open`; the owner takes it exclusively and clears `open` before ending
// the session, which waits out a batch in progress and refuses every later one.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>

#include "../session/packet_ring.h"
#include "../session/session_statistics.h"
#include "process_registry.h"

namespace magma::wintun {

struct SharedSendRing {
  std::shared_mutex lock;
  bool open = true;  // guarded by lock
  // Valid while open.
  std::shared_ptr<PacketRing> ring;
  SessionStatistics* stats = nullptr;
  // Called (under the shared lock, from the sending thread) when Allocate says the send ring is
  // over; the owner ends the session on its own thread.
  void (*on_ring_ended)(void* owner, uint32_t code) = nullptr;
  void* owner = nullptr;
};

// Process-wide names for shared rings, so a worker (another Node-API environment) can find one.
using SharedSendRings = ProcessRegistry<SharedSendRing>;

}  // namespace magma::wintun
