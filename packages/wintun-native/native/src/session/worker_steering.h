// Flow steering to worker threads (a port's `workers` option): the receive thread hands each
// packet it received to the worker that owns the packet's flow (flow/flow_hash.h), straight into
// that worker's hand-off queue in shared memory, and wakes the worker only when it sleeps. The
// worker gives each slot back through its returns queue, which the receive thread drains into
// its free stacks. No other thread is between them, and nothing is copied: the slot the packet
// was received into is the one the worker reads. While the ring is lent to the workers, a worker
// whose queue ran empty receives and steers in the receive thread's stead (WorkerRingPuller),
// through the same calls.
//
// Every slot handed out has an owner here until it comes back, so a worker that dies is
// accounted for: what it held or had queued goes back to the stock and counts as lost. All of it
// is guarded by one lock, taken once per batch by whichever thread steers it: each queue's
// producer side is one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "../flow/siphash.h"
#include "shared_slot_queue.h"
#include "slot_memory.h"

namespace magma::wintun {

// How the receive thread wakes a worker that sleeps on its queue (a thread-safe function into
// the worker's environment). Wake must not block and must be safe after the worker is gone.
class WorkerWaker {
 public:
  virtual ~WorkerWaker() = default;
  virtual void Wake() = 0;
};

// What receives from the session's ring on a worker's behalf (the session's receive pump): a worker
// whose queue ran empty receives the next batch itself, while the ring is lent to the workers.
class WorkerRingPuller {
 public:
  virtual ~WorkerRingPuller() = default;
  // Receives what the ring holds (one batch at most) and steers it; returns the packets steered,
  // or -1 when the ring is not lent to the workers now.
  virtual int32_t PullForWorkers() = 0;
};

// Per worker: packets handed to it, dropped because its queue was full (or it had none), and
// lost when it died.
struct WorkerSteeringCounters {
  uint64_t handed_off = 0;
  uint64_t queue_full = 0;
  uint64_t lost = 0;
};

// Workers one steering serves at most (a slot's owner is one byte).
constexpr uint32_t kMaxSteeredWorkers = 64;

class WorkerSteering {
 public:
  WorkerSteering(const flow::SipHashKey& key, uint32_t workers, std::vector<SlotMemory> slots);

  uint32_t workers() const { return static_cast<uint32_t>(workers_.size()); }

  // Gives worker `worker` new queues (invalid views: none; its flows' packets are then dropped
  // as queue-full). Every slot the previous ones held, returned or not, is appended to
  // `reclaimed`; with `count_lost` those not returned count as lost (the worker died).
  void SetQueues(uint32_t worker, SharedSlotQueueView hand_off, SharedSlotQueueView returns, bool count_lost,
                 std::vector<int32_t>& reclaimed);
  void SetWaker(uint32_t worker, std::shared_ptr<WorkerWaker> waker);
  // Only if `waker` is still the worker's (a restarted worker may have registered its own).
  void ClearWaker(uint32_t worker, const WorkerWaker* waker);

  // Hands out `count` (slot, length) pairs in order, each to its flow's worker, publishes each
  // queue it wrote once and wakes the workers that slept. Slots it could not hand out are
  // appended to `refused` (the caller's to keep). Returns whether every worker has a queue and
  // none sleeps on it now: each will come back for more (the ring may be lent to them).
  bool Steer(const int32_t* pairs, uint32_t count, std::vector<int32_t>& refused);
  // Appends the slots workers gave back since the last call.
  void TakeReturns(std::vector<int32_t>& out);
  // Keeps slots for TakeAll that no worker holds (taken back after the receive thread's stock
  // was given back).
  void Adopt(const std::vector<int32_t>& slots);
  // Once the workers are stopped: appends every slot still handed out or adopted, and forgets them.
  void TakeAll(std::vector<int32_t>& out);
  void ReadCounters(std::vector<WorkerSteeringCounters>& out);
  // Whether every worker has at least `records` waiting in its queue.
  bool AllBacklogged(uint32_t records);

  // The session's receive pump, while it may be pulled from (nullptr: no more). Clearing it waits
  // for a pull under way, so the ring is not touched after.
  void SetPuller(WorkerRingPuller* puller);
  // A worker's pull (WorkerRingPuller::PullForWorkers); -1 when there is no puller, the ring is
  // not lent, or another worker is pulling right now (its packets may be for this one).
  int32_t Pull();

 private:
  struct Worker {
    SharedSlotQueueView hand_off;
    SharedSlotQueueView returns;
    std::shared_ptr<WorkerWaker> waker;
    WorkerSteeringCounters counters;
    bool touched = false;  // written during the current Steer
  };
  void TakeReturnsLocked(uint32_t worker, std::vector<int32_t>& out);

  const flow::SipHashKey key_;
  const std::vector<SlotMemory> slots_;
  std::mutex lock_;  // guards everything below
  std::vector<Worker> workers_;
  // Per slot id: 1 + the worker it is handed to, kAdopted, or 0.
  static constexpr uint8_t kAdopted = 0xFF;
  std::vector<uint8_t> owner_;
  std::mutex puller_lock_;  // held for the whole of a pull
  WorkerRingPuller* puller_ = nullptr;
};

}  // namespace magma::wintun
