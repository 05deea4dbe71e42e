// The receive side of a session: one native thread that waits on the read event, drains the ring,
// copies each packet into a free pool slot handed over by JavaScript, releases the ring packet at
// once, and publishes (slot id, length) descriptors for JavaScript one batch at a time.
//
// Memory shared with JavaScript: `deliveries` holds `batch_buffers` batch buffers of
// 1 + 2 * max_batch int32 each ([count, id0, length0, id1, length1, ...]). A buffer belongs to this
// thread until it is published and to JavaScript until CompleteBatch; the hand-over goes through
// the thread-safe function's queue, whose lock orders the writes.
//
// Back-pressure: with every batch buffer in flight the thread waits for JavaScript. Without a free
// slot it publishes what it has and waits for the refill that follows each batch; only when
// JavaScript has answered and still has no slot (the pool is exhausted) does it drop packets,
// counted as "pool exhausted", until slots come back.
//
// Lending the ring to JavaScript: while a batch handler is set (`js_receive_budget_us` > 0), the
// thread publishes a batch *with the ring* and then waits. After delivering that batch, the
// JavaScript thread goes on receiving straight from the ring itself (ReceiveOnJavaScriptThread),
// batch after batch, until the ring is empty, the session ends or the handler goes; then it gives
// the ring back. Where its event loop can wait on the read event (Linux: an eventfd), it keeps an
// empty ring instead and lets the driver's signal wake it (session_binding.cc): at one packet in
// flight that is one wake-up per packet, where handing the ring back costs two (the driver wakes
// the thread, the thread wakes JavaScript). The thread meanwhile waits in AwaitRing. When a slot
// class runs dry it keeps the ring and lets its event loop turn first (the application may
// dispose packets there), and drops only if the refill after that turn brings none, as the thread
// drops only after JavaScript answered its request with nothing. Under load this is the
// single-threaded loop of a C reflector: no wake-up between threads per batch, still one crossing
// per batch. The budget only makes JavaScript let its event loop turn now and then
// (session_binding.cc).
//
// Lending the ring to workers (a port's `workers`, worker_steering.h): after steering a batch while
// no worker sleeps on its queue, the thread lends the ring to the workers and waits in
// AwaitRingFromWorkers. A worker whose queue runs empty receives the next batch itself
// (PullForWorkers, one worker at a time) and steers it as the thread would. Under load that is the
// worker's own loop, as with the JavaScript thread above; the thread no longer wakes and preempts
// a worker for every few packets. The ring comes back when a pull finds it empty, a slot class dry
// (the thread waits for slots; a pull never does) or a worker asleep (its flows' packets must not
// wait for a busy worker's next pull), and the thread takes it back itself after kWorkerPullGrace
// without a pull. Only one thread ever calls WintunReceivePacket at a time: every hand-over of the
// ring goes through `lock_`.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "../platform/read_wait.h"
#include "packet_ring.h"
#include "session_statistics.h"
#include "slot_memory.h"
#include "worker_steering.h"

namespace magma::wintun {

struct ReceivePumpConfig {
  uint32_t max_batch = 128;
  uint32_t batch_buffers = 4;
  // After a busy drain, poll the ring this long before sleeping. Idle costs nothing: a thread
  // woken without packets sleeps again at once.
  uint32_t spin_microseconds = 50;
  uint32_t small_slot_size = 2048;
  // How long the JavaScript thread may keep receiving from a lent ring before it lets its event
  // loop turn; 0 never lends the ring. Changed at run time by SetJavaScriptReceiveBudget.
  uint32_t js_receive_budget_us = 0;
};

class ReceivePump : public WorkerRingPuller {
 public:
  // Messages to JavaScript: a batch index below kRefillRequest, or one of these.
  static constexpr uint32_t kRefillRequest = 0x10000;
  static constexpr uint32_t kEnded = 0x10001;
  // Must not block; false when JavaScript can no longer be reached (environment teardown).
  using Notify = bool (*)(void* context, uint32_t message);

  ReceivePump(std::shared_ptr<PacketRing> ring, std::vector<SlotMemory> slots,
              int32_t* deliveries, ReceivePumpConfig config, SessionStatistics& stats, Notify notify,
              void* notify_context);
  ~ReceivePump();
  ReceivePump(const ReceivePump&) = delete;
  ReceivePump& operator=(const ReceivePump&) = delete;

  // False when the wait primitive could not be created.
  bool Start();
  // Stop flag, wake, join, and the wake event closed. Idempotent; afterwards nothing touches the
  // session.
  void Stop();

  // JavaScript thread.
  void CompleteBatch(uint32_t batch);
  void SetJavaScriptReceiveBudget(uint32_t microseconds);
  uint32_t javascript_receive_budget() const { return js_receive_budget_us_.load(std::memory_order_relaxed); }
  // Whether `batch` was published with the ring: the JavaScript thread then holds the ring until
  // ReturnRing.
  bool LentRingWith(uint32_t batch);
  // What ReceiveOnJavaScriptThread returns when it has no batch.
  // The pump stopped, every batch buffer is in flight, or a fatal ring error (which the thread
  // reports as the session's end once it has the ring back): give the ring back.
  static constexpr int32_t kRingDone = -1;
  // A size class has no free slot: let the event loop turn (the application disposes packets
  // there), refill, and go on.
  static constexpr int32_t kNeedSlots = -2;
  // Packets were taken from the ring but all dropped (counted): go on.
  static constexpr int32_t kOnlyDrops = -3;
  // The ring is empty: give it back, or keep it and wait for the read event on this thread.
  static constexpr int32_t kRingEmpty = -4;
  // JavaScript thread, while it holds the ring and the pump runs: takes at most max_batch packets
  // from the ring into a free batch buffer as the thread would, never waiting, and returns the
  // batch's index or one of the codes above. `refilled_after_turn`: JavaScript refilled after its
  // event loop turned, so a size class still empty is one the pool cannot supply now, and its
  // packets are dropped (as the thread drops once JavaScript answered its request with nothing).
  int32_t ReceiveOnJavaScriptThread(bool refilled_after_turn);
  void ReturnRing();
  void AnswerRefill();
  uint32_t ProvideSlots(const int32_t* ids, uint32_t count);
  // After Stop: the free slots still held here, so JavaScript can return them to the pool.
  uint32_t TakeHeldSlots(int32_t* out, uint32_t capacity);
  // After Stop: the batches published to JavaScript whose delivery has not run yet (their calls
  // are still queued). JavaScript takes their slots back at once, so closing is complete when it
  // returns; the late deliveries are then ignored.
  uint32_t TakeInFlightBatches(int32_t* out, uint32_t capacity);

  // From now on every batch goes to the workers that own its packets' flows instead of
  // JavaScript (worker_steering.h); slots come back from the workers' returns queues. `steering`
  // must outlive the pump. Any thread; set once.
  void SetSteering(WorkerSteering* steering) { steering_.store(steering, std::memory_order_release); }

  // A worker thread whose queue ran empty, while the ring is lent to the workers: receives one
  // batch into free slots and steers it, as the thread would, never waiting. Gives the ring back to
  // the thread when it finds the ring empty, a slot class runs dry or a worker sleeps.
  int32_t PullForWorkers() override;

  // The Win32 code that ended the session from underneath (ERROR_HANDLE_EOF: adapter removed;
  // ERROR_INVALID_DATA: ring corrupt), or 0.
  uint32_t end_code() const { return end_code_.load(std::memory_order_acquire); }
  uint32_t stride() const { return 1 + 2 * config_.max_batch; }
  uint32_t spin_microseconds() const { return config_.spin_microseconds; }

 private:
  void Run();
  int32_t AcquireBatch();
  // Hands the batch to JavaScript; with `lend_ring` the ring goes with it (see above). Returns
  // whether the ring was lent.
  bool Publish(int32_t& batch, uint32_t& count, bool lend_ring = false);
  // Thread: waits until JavaScript gives a lent ring back; false when the thread must stop
  // (stop flag, or JavaScript met a fatal ring error, left in `end_code`).
  bool AwaitRing(uint32_t& end_code);
  // Thread: waits until the ring lent to the workers comes back, or until no worker pulled for
  // kWorkerPullGrace (a worker stuck in its receiver or dead); false as AwaitRing.
  bool AwaitRingFromWorkers(uint32_t& end_code);
  bool AwaitLentRing(uint32_t& end_code);
  int32_t TakeSlot(uint32_t size, int32_t& batch, uint32_t& count);
  // A received packet of a valid size goes into `slot` (taken from a free stack, or -1 for none)
  // and the batch's next descriptor, and is released; without a fitting slot it is released and
  // counted as a drop. Returns whether it was stored.
  bool Place(int32_t slot, BYTE* packet, uint32_t size, int32_t batch, uint32_t& count);
  // Counts a packet taken from the ring; one no slot may hold (empty, or above 65535 bytes) is
  // released and counted as a drop, and false returned.
  bool Accept(BYTE* packet, DWORD size);
  // A free slot for a packet of `size` bytes from its class's stack, or -1. Under `lock_`.
  int32_t PopSlotLocked(uint32_t size);
  // A pull's check before it takes a packet: every slot class the pool has has a free slot, after
  // taking what the workers gave back if not.
  bool SlotsReadyForPull(WorkerSteering& steering);

  // Steered to workers that each have at least kLingerBacklog packets queued, the thread waits
  // kLingerMicroseconds for more before it sleeps on the read event (Run). Measured in the scaling
  // benchmark: 1 worker, bare reflector, from 0.64 to 0.74 of no workers.
  static constexpr uint32_t kLingerBacklog = 8;
  static constexpr uint32_t kLingerMicroseconds = 50;

  std::shared_ptr<PacketRing> ring_;
  std::vector<SlotMemory> slots_;
  int32_t* deliveries_;
  ReceivePumpConfig config_;
  SessionStatistics& stats_;
  Notify notify_;
  void* notify_context_;
  std::unique_ptr<ReadWaiter> waiter_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> end_code_{0};
  std::atomic<uint32_t> js_receive_budget_us_{0};

  // Worker steering (SetSteering), and the receive thread's scratch lists for it, sized once.
  std::atomic<WorkerSteering*> steering_{nullptr};
  std::vector<int32_t> steer_scratch_;
  // The slots a pull takes back or could not hand out; one pull at a time (the steering's puller
  // lock).
  std::vector<int32_t> pull_scratch_;
  // How long the ring stays lent to workers that do not pull.
  static constexpr std::chrono::milliseconds kWorkerPullGrace{1};
  // Puts the slots the workers gave back into the free stacks. Receive thread.
  void TakeWorkerReturns(WorkerSteering& steering);

  std::mutex lock_;  // guards everything below
  std::condition_variable changed_;
  // Its own condition, so the refills and completed batches of every batch JavaScript receives
  // while it holds the ring do not wake the waiting thread for nothing.
  std::condition_variable ring_returned_;
  std::vector<int32_t> free_small_;
  std::vector<int32_t> free_large_;
  std::vector<uint8_t> held_;  // per slot id: 1 while in a free stack here
  std::vector<uint32_t> free_batches_;
  uint32_t batches_in_flight_ = 0;
  bool refill_requested_ = false;
  bool starved_small_ = false;
  bool starved_large_ = false;
  // With workers: when each class last ran dry, and how soon JavaScript is asked again (TakeSlot).
  static constexpr std::chrono::milliseconds kStarvedRetry{1};
  std::chrono::steady_clock::time_point starved_small_since_;
  std::chrono::steady_clock::time_point starved_large_since_;
  // The batch the ring was lent with, or -1 while the thread holds the ring.
  int32_t ring_lent_with_ = -1;
  // The ring is lent to the workers (PullForWorkers); a worker is pulling now; pulls begun.
  bool ring_lent_to_workers_ = false;
  bool worker_pulling_ = false;
  uint64_t worker_pulls_ = 0;
  bool has_small_slots_ = false;
  bool has_large_slots_ = false;
  // A fatal ring error JavaScript met while holding the ring; the thread ends the session with it.
  uint32_t lent_ring_end_code_ = 0;
  // JavaScript thread only: its last look at the ring found it empty (ReceiveOnJavaScriptThread).
  bool js_found_ring_empty_ = false;
};

}  // namespace magma::wintun
