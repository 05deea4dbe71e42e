#include "receive_pump.h"

#include <chrono>
#include <cstring>
#include <thread>

#include "../binding/live_resources.h"
#include "../platform/cpu_relax.h"
#include "../platform/last_error.h"

namespace magma::wintun {

ReceivePump::ReceivePump(std::shared_ptr<PacketRing> ring, std::vector<SlotMemory> slots, int32_t* deliveries, ReceivePumpConfig config,
                         SessionStatistics& stats, Notify notify, void* notify_context)
    : ring_(std::move(ring)),
      slots_(std::move(slots)),
      deliveries_(deliveries),
      config_(config),
      stats_(stats),
      notify_(notify),
      notify_context_(notify_context) {
  held_.assign(slots_.size(), 0);
  steer_scratch_.reserve(slots_.size());
  pull_scratch_.reserve(slots_.size());
  for (const SlotMemory& slot : slots_) {
    (slot.capacity > config_.small_slot_size ? has_large_slots_ : has_small_slots_) = true;
  }
  free_small_.reserve(slots_.size());
  free_large_.reserve(slots_.size());
  for (uint32_t i = config_.batch_buffers; i > 0; --i) free_batches_.push_back(i - 1);
}

ReceivePump::~ReceivePump() { Stop(); }

bool ReceivePump::Start() {
  waiter_ = ring_->NewReadWaiter();
  if (waiter_ == nullptr) return false;
  if (!waiter_->ok()) return false;
  LiveResources::receive_threads.fetch_add(1);
  thread_ = std::thread([this] {
    Run();
    LiveResources::receive_threads.fetch_sub(1);
  });
  return true;
}

void ReceivePump::Stop() {
  stop_.store(true, std::memory_order_release);
  if (thread_.joinable()) {
    waiter_->Wake();
    {
      // Taking the lock orders the flag before any predicate check a waiter is about to make.
      std::lock_guard<std::mutex> guard(lock_);
    }
    changed_.notify_all();
    ring_returned_.notify_all();
    thread_.join();
  }
  // The wake event is an OS handle: it goes with close(), not whenever the garbage collector
  // collects the session object.
  waiter_.reset();
}

void ReceivePump::CompleteBatch(uint32_t batch) {
  {
    std::lock_guard<std::mutex> guard(lock_);
    // After Stop, TakeInFlightBatches already took this batch back; its late delivery changes nothing.
    if (stop_.load(std::memory_order_acquire)) return;
    free_batches_.push_back(batch);
    --batches_in_flight_;
  }
  changed_.notify_all();
}

void ReceivePump::AnswerRefill() {
  {
    std::lock_guard<std::mutex> guard(lock_);
    refill_requested_ = false;
  }
  changed_.notify_all();
}

uint32_t ReceivePump::ProvideSlots(const int32_t* ids, uint32_t count) {
  uint32_t accepted = 0;
  {
    std::lock_guard<std::mutex> guard(lock_);
    for (uint32_t i = 0; i < count; ++i) {
      int32_t id = ids[i];
      // A slot we already hold, or an unknown id, would let two packets share memory: refuse it.
      if (id < 0 || static_cast<size_t>(id) >= slots_.size() || held_[id] != 0) continue;
      held_[id] = 1;
      if (slots_[id].capacity > config_.small_slot_size) {
        free_large_.push_back(id);
        starved_large_ = false;
      } else {
        free_small_.push_back(id);
        starved_small_ = false;
      }
      ++accepted;
    }
  }
  changed_.notify_all();
  return accepted;
}

uint32_t ReceivePump::TakeHeldSlots(int32_t* out, uint32_t capacity) {
  std::lock_guard<std::mutex> guard(lock_);
  uint32_t taken = 0;
  for (auto* stack : {&free_small_, &free_large_}) {
    while (!stack->empty() && taken < capacity) {
      int32_t id = stack->back();
      stack->pop_back();
      held_[id] = 0;
      out[taken++] = id;
    }
  }
  return taken;
}

uint32_t ReceivePump::TakeInFlightBatches(int32_t* out, uint32_t capacity) {
  std::lock_guard<std::mutex> guard(lock_);
  std::vector<bool> free(config_.batch_buffers, false);
  for (uint32_t batch : free_batches_) free[batch] = true;
  uint32_t taken = 0;
  for (uint32_t batch = 0; batch < config_.batch_buffers && taken < capacity; ++batch) {
    if (free[batch]) continue;
    out[taken++] = static_cast<int32_t>(batch);
    free_batches_.push_back(batch);
  }
  batches_in_flight_ = 0;
  return taken;
}

int32_t ReceivePump::AcquireBatch() {
  std::unique_lock<std::mutex> guard(lock_);
  changed_.wait(guard, [this] { return stop_.load(std::memory_order_acquire) || !free_batches_.empty(); });
  if (stop_.load(std::memory_order_acquire)) return -1;
  int32_t batch = static_cast<int32_t>(free_batches_.back());
  free_batches_.pop_back();
  return batch;
}

void ReceivePump::TakeWorkerReturns(WorkerSteering& steering) {
  steer_scratch_.clear();
  steering.TakeReturns(steer_scratch_);
  if (!steer_scratch_.empty()) ProvideSlots(steer_scratch_.data(), static_cast<uint32_t>(steer_scratch_.size()));
}

bool ReceivePump::Publish(int32_t& batch, uint32_t& count, bool lend_ring) {
  int32_t* descriptors = deliveries_ + static_cast<size_t>(batch) * stride();
  if (WorkerSteering* steering = steering_.load(std::memory_order_acquire)) {
    // The batch goes to the workers, not to JavaScript: its buffer is free again at once, and
    // the slots no worker could take go back to the stacks.
    steer_scratch_.clear();
    const bool all_awake = steering->Steer(descriptors + 1, count, steer_scratch_);
    stats_.rx_batches.fetch_add(1, std::memory_order_relaxed);
    if (!steer_scratch_.empty()) ProvideSlots(steer_scratch_.data(), static_cast<uint32_t>(steer_scratch_.size()));
    // While every worker is awake, each comes back to its queue soon and can receive the next
    // batch itself (PullForWorkers): the thread steps aside instead of waking, preempting a worker
    // on its CPU, for every few packets.
    lend_ring = lend_ring && ring_->workers_may_receive() && all_awake;
    {
      std::lock_guard<std::mutex> guard(lock_);
      free_batches_.push_back(static_cast<uint32_t>(batch));
      if (lend_ring) ring_lent_to_workers_ = true;
    }
    batch = -1;
    count = 0;
    return lend_ring;
  }
  descriptors[0] = static_cast<int32_t>(count);
  lend_ring = lend_ring && js_receive_budget_us_.load(std::memory_order_relaxed) > 0;
  {
    std::lock_guard<std::mutex> guard(lock_);
    ++batches_in_flight_;
    // Set before the call: JavaScript may run the delivery before notify_ returns.
    if (lend_ring) ring_lent_with_ = batch;
  }
  stats_.rx_batches.fetch_add(1, std::memory_order_relaxed);
  if (!notify_(notify_context_, static_cast<uint32_t>(batch))) {
    // JavaScript is gone (teardown); the buffer and the ring are ours again.
    std::lock_guard<std::mutex> guard(lock_);
    --batches_in_flight_;
    free_batches_.push_back(static_cast<uint32_t>(batch));
    ring_lent_with_ = -1;
    lend_ring = false;
  }
  batch = -1;
  count = 0;
  return lend_ring;
}

bool ReceivePump::AwaitLentRing(uint32_t& end_code) {
  return steering_.load(std::memory_order_acquire) != nullptr ? AwaitRingFromWorkers(end_code) : AwaitRing(end_code);
}

bool ReceivePump::AwaitRing(uint32_t& end_code) {
  std::unique_lock<std::mutex> guard(lock_);
  ring_returned_.wait(guard, [this] { return stop_.load(std::memory_order_acquire) || ring_lent_with_ < 0; });
  if (stop_.load(std::memory_order_acquire)) return false;
  if (lent_ring_end_code_ != 0) {
    end_code = lent_ring_end_code_;
    return false;
  }
  return true;
}

bool ReceivePump::AwaitRingFromWorkers(uint32_t& end_code) {
  std::unique_lock<std::mutex> guard(lock_);
  uint64_t pulls_seen = worker_pulls_;
  for (;;) {
    // A system_clock deadline, not wait_for: libstdc++ waits for a steady_clock one with
    // pthread_cond_clockwait, which glibc has only since 2.30, and the prebuilds run on 2.28
    // (cmake/portable-linux-binary.cmake). A clock step makes one grace longer or shorter; no more.
    if (ring_returned_.wait_until(guard, std::chrono::system_clock::now() + kWorkerPullGrace, [this] {
          return stop_.load(std::memory_order_acquire) || !ring_lent_to_workers_;
        })) {
      break;
    }
    if (!worker_pulling_ && worker_pulls_ == pulls_seen) {
      ring_lent_to_workers_ = false;
      break;
    }
    pulls_seen = worker_pulls_;
  }
  if (stop_.load(std::memory_order_acquire)) return false;
  if (lent_ring_end_code_ != 0) {
    end_code = lent_ring_end_code_;
    return false;
  }
  return true;
}

int32_t ReceivePump::PullForWorkers() {
  WorkerSteering* steering = steering_.load(std::memory_order_acquire);
  int32_t batch;
  {
    std::lock_guard<std::mutex> guard(lock_);
    if (steering == nullptr || stop_.load(std::memory_order_acquire) || !ring_lent_to_workers_ ||
        worker_pulling_ || free_batches_.empty()) {
      return -1;
    }
    worker_pulling_ = true;
    ++worker_pulls_;
    // The thread holds no batch buffer while it waits for the ring, so one is free.
    batch = static_cast<int32_t>(free_batches_.back());
    free_batches_.pop_back();
  }
  uint32_t count = 0;
  uint32_t taken = 0;  // drops included, so one pull stays bounded
  uint32_t end_code = 0;
  bool give_back = false;
  while (taken < config_.max_batch) {
    // A packet's size class is known only once it is taken from the ring, and a pull never waits
    // for slots: it stops while a class the pool has is dry, and the thread takes over.
    if (!SlotsReadyForPull(*steering)) {
      give_back = true;
      break;
    }
    DWORD size = 0;
    BYTE* packet = ring_->ReceivePacket(&size);
    if (packet == nullptr) {
      uint32_t code = LastWin32Error();
      if (code != WINTUN_ERROR_NO_MORE_ITEMS) end_code = code;
      give_back = true;
      break;
    }
    ++taken;
    if (!Accept(packet, size)) continue;
    int32_t slot;
    {
      std::lock_guard<std::mutex> guard(lock_);
      slot = PopSlotLocked(size);
    }
    Place(slot, packet, size, batch, count);
  }
  bool all_awake = false;
  if (count > 0) {
    pull_scratch_.clear();
    all_awake = steering->Steer(deliveries_ + static_cast<size_t>(batch) * stride() + 1, count, pull_scratch_);
    stats_.rx_batches.fetch_add(1, std::memory_order_relaxed);
    stats_.rx_worker_batches.fetch_add(1, std::memory_order_relaxed);
    if (!pull_scratch_.empty()) ProvideSlots(pull_scratch_.data(), static_cast<uint32_t>(pull_scratch_.size()));
  }
  // A worker that sleeps would wait for the next pull of a busy one; the thread serves it instead,
  // as it does after a pull that handed out nothing (a batch of drops).
  if (!all_awake) give_back = true;
  {
    std::lock_guard<std::mutex> guard(lock_);
    free_batches_.push_back(static_cast<uint32_t>(batch));
    worker_pulling_ = false;
    if (end_code != 0) lent_ring_end_code_ = end_code;
    if (give_back) ring_lent_to_workers_ = false;
  }
  if (give_back) ring_returned_.notify_one();
  return static_cast<int32_t>(count);
}

bool ReceivePump::SlotsReadyForPull(WorkerSteering& steering) {
  const auto ready = [this] {
    std::lock_guard<std::mutex> guard(lock_);
    return (!has_small_slots_ || !free_small_.empty()) && (!has_large_slots_ || !free_large_.empty());
  };
  if (ready()) return true;
  pull_scratch_.clear();
  steering.TakeReturns(pull_scratch_);
  if (!pull_scratch_.empty()) ProvideSlots(pull_scratch_.data(), static_cast<uint32_t>(pull_scratch_.size()));
  return ready();
}

bool ReceivePump::Accept(BYTE* packet, DWORD size) {
  stats_.rx_ring_packets.fetch_add(1, std::memory_order_relaxed);
  if (size != 0 && size <= WINTUN_MAX_IP_PACKET_SIZE) return true;
  ring_->ReleaseReceivePacket(packet);
  stats_.drop_rx_invalid.fetch_add(1, std::memory_order_relaxed);
  return false;
}

int32_t ReceivePump::PopSlotLocked(uint32_t size) {
  std::vector<int32_t>& stack = size > config_.small_slot_size ? free_large_ : free_small_;
  if (stack.empty()) return -1;
  int32_t slot = stack.back();
  stack.pop_back();
  held_[slot] = 0;
  return slot;
}

void ReceivePump::SetJavaScriptReceiveBudget(uint32_t microseconds) {
  js_receive_budget_us_.store(microseconds, std::memory_order_relaxed);
}

bool ReceivePump::LentRingWith(uint32_t batch) {
  std::lock_guard<std::mutex> guard(lock_);
  return ring_lent_with_ == static_cast<int32_t>(batch);
}

void ReceivePump::ReturnRing() {
  {
    std::lock_guard<std::mutex> guard(lock_);
    ring_lent_with_ = -1;
  }
  ring_returned_.notify_one();
}

int32_t ReceivePump::ReceiveOnJavaScriptThread(bool refilled_after_turn) {
  int32_t batch;
  {
    std::lock_guard<std::mutex> guard(lock_);
    // After a fatal ring error the thread reports the end; nothing more is read from that ring.
    if (stop_.load(std::memory_order_acquire) || lent_ring_end_code_ != 0 || free_batches_.empty()) return kRingDone;
    for (auto [stack, starved] : {std::pair{&free_small_, &starved_small_}, std::pair{&free_large_, &starved_large_}}) {
      if (!stack->empty() || *starved) continue;
      // Refilled in the same turn, the application had no chance to dispose anything yet.
      if (!refilled_after_turn) return kNeedSlots;
      *starved = true;
    }
    batch = static_cast<int32_t>(free_batches_.back());
    free_batches_.pop_back();
  }
  uint32_t count = 0;
  uint32_t taken = 0;  // drops included, so one call stays bounded
  bool ring_done = false;
  // Every class has a slot or is starved (checked above). Once a class is used up during this
  // batch, deliver what we have, and JavaScript refills it.
  bool slots_ready = true;
  // The first packet after an empty ring goes to JavaScript alone, at once: at low load it is the
  // only one, and its reply should not wait for another look at the ring, which with the emulator
  // is a read() of the TUN file and may wake its driver thread on this CPU. Under load the ring is
  // not empty between batches, and batches fill as before.
  const uint32_t limit = js_found_ring_empty_ ? 1 : config_.max_batch;
  while (taken < limit && slots_ready) {
    DWORD size = 0;
    BYTE* packet = ring_->ReceivePacket(&size);
    if (packet == nullptr) {
      uint32_t code = LastWin32Error();
      if (code != WINTUN_ERROR_NO_MORE_ITEMS) {
        std::lock_guard<std::mutex> guard(lock_);
        lent_ring_end_code_ = code;
      }
      js_found_ring_empty_ = true;
      ring_done = true;
      break;
    }
    js_found_ring_empty_ = false;
    ++taken;
    if (!Accept(packet, size)) continue;
    int32_t slot;
    {
      std::lock_guard<std::mutex> guard(lock_);
      slot = PopSlotLocked(size);
      slots_ready = !(free_small_.empty() && !starved_small_) && !(free_large_.empty() && !starved_large_);
    }
    Place(slot, packet, size, batch, count);
  }
  std::lock_guard<std::mutex> guard(lock_);
  if (count == 0) {
    free_batches_.push_back(static_cast<uint32_t>(batch));
    if (ring_done) return lent_ring_end_code_ == 0 ? kRingEmpty : kRingDone;
    return !slots_ready ? kNeedSlots : kOnlyDrops;
  }
  deliveries_[static_cast<size_t>(batch) * stride()] = static_cast<int32_t>(count);
  ++batches_in_flight_;
  stats_.rx_batches.fetch_add(1, std::memory_order_relaxed);
  stats_.rx_inline_batches.fetch_add(1, std::memory_order_relaxed);
  return batch;
}

bool ReceivePump::Place(int32_t slot, BYTE* packet, uint32_t size, int32_t batch, uint32_t& count) {
  if (slot < 0) {
    ring_->ReleaseReceivePacket(packet);
    // Stopping is not a drop: the session is being closed and nobody would read the packet.
    if (!stop_.load(std::memory_order_acquire)) stats_.drop_pool_exhausted.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (size > slots_[slot].capacity) {
    // The binding only accepts slot tables where this cannot happen; never write past a slot.
    ProvideSlots(&slot, 1);
    ring_->ReleaseReceivePacket(packet);
    stats_.drop_rx_invalid.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  std::memcpy(slots_[slot].data, packet, size);
  // Released before JavaScript sees the copy: the ring never waits on JavaScript.
  ring_->ReleaseReceivePacket(packet);
  int32_t* descriptor = deliveries_ + static_cast<size_t>(batch) * stride() + 1 + 2 * count;
  descriptor[0] = slot;
  descriptor[1] = static_cast<int32_t>(size);
  ++count;
  stats_.rx_packets.fetch_add(1, std::memory_order_relaxed);
  stats_.rx_bytes.fetch_add(size, std::memory_order_relaxed);
  return true;
}

int32_t ReceivePump::TakeSlot(uint32_t size, int32_t& batch, uint32_t& count) {
  const bool large = size > config_.small_slot_size;
  std::unique_lock<std::mutex> guard(lock_);
  std::vector<int32_t>& stack = large ? free_large_ : free_small_;
  bool& starved = large ? starved_large_ : starved_small_;
  WorkerSteering* steering = steering_.load(std::memory_order_acquire);
  auto& starved_since = large ? starved_large_since_ : starved_small_since_;
  if (stack.empty() && steering != nullptr) {
    // With workers, slots come back through their returns queues, not from JavaScript.
    guard.unlock();
    TakeWorkerReturns(*steering);
    guard.lock();
    // And JavaScript refills only when asked, not after batches (none reach it): a class it
    // could not refill is asked for again every kStarvedRetry, as the pool may have slots by then
    // that no worker will give back soon (a receiver holding packets).
    if (stack.empty() && starved && std::chrono::steady_clock::now() - starved_since >= kStarvedRetry) {
      starved = false;
    }
  }
  if (stack.empty() && !starved) {
    // JavaScript refills after every batch: hand over what we have, then ask if nothing is pending.
    if (count > 0) {
      guard.unlock();
      Publish(batch, count);
      guard.lock();
    }
    if (batches_in_flight_ == 0 && !refill_requested_) {
      refill_requested_ = true;
      guard.unlock();
      bool sent = notify_(notify_context_, kRefillRequest);
      guard.lock();
      if (!sent) refill_requested_ = false;
    }
    changed_.wait(guard, [&] {
      return stop_.load(std::memory_order_acquire) || !stack.empty() ||
             (batches_in_flight_ == 0 && !refill_requested_);
    });
    if (stack.empty()) {
      starved = true;
      starved_since = std::chrono::steady_clock::now();
    }
  }
  return PopSlotLocked(size);
}

void ReceivePump::Run() {
  using Clock = std::chrono::steady_clock;
  const auto spin = std::chrono::microseconds(config_.spin_microseconds);
  int32_t batch = -1;
  uint32_t count = 0;
  bool busy = false;  // packets arrived since the last sleep
  bool spinning = false;
  Clock::time_point spin_until;
  uint32_t end_code = 0;

  while (!stop_.load(std::memory_order_acquire)) {
    if (batch < 0) {
      batch = AcquireBatch();
      if (batch < 0) break;
    }
    DWORD size = 0;
    BYTE* packet = ring_->ReceivePacket(&size);
    if (packet == nullptr) {
      uint32_t code = LastWin32Error();
      if (code != WINTUN_ERROR_NO_MORE_ITEMS) {
        end_code = code;  // ERROR_HANDLE_EOF, ERROR_INVALID_DATA, or worse: this session is over
        break;
      }
      if (count > 0 && Publish(batch, count, true)) {
        if (!AwaitLentRing(end_code)) break;
        continue;  // still busy: JavaScript or a worker emptied the ring a moment ago
      }
      if (busy && config_.spin_microseconds > 0) {
        Clock::time_point now = Clock::now();
        if (!spinning) {
          spinning = true;
          spin_until = now + spin;
        }
        if (now < spin_until) {
          CpuRelax();
          continue;
        }
      }
      // With workers that all have work queued, the packets that follow can wait a little: going
      // to sleep on the read event now costs a wake-up for every few packets, each preempting a
      // worker, while lingering hands them over in larger batches, which nobody waits for.
      // Once per run of packets: a linger that brought none ends in the real sleep.
      WorkerSteering* steering = steering_.load(std::memory_order_acquire);
      if (busy && steering != nullptr && steering->AllBacklogged(kLingerBacklog)) {
        busy = false;
        spinning = false;
        std::this_thread::sleep_for(std::chrono::microseconds(kLingerMicroseconds));
        continue;
      }
      busy = false;
      spinning = false;
      stats_.receive_waits.fetch_add(1, std::memory_order_relaxed);
      ReadWaiter::Outcome outcome = waiter_->Wait();
      if (outcome == ReadWaiter::Outcome::kWoken) break;
      if (outcome == ReadWaiter::Outcome::kFailed) {
        end_code = LastWin32Error();
        if (end_code == 0) end_code = WINTUN_ERROR_INVALID_DATA;
        break;
      }
      continue;
    }
    busy = true;
    spinning = false;
    if (!Accept(packet, size)) continue;
    int32_t slot = TakeSlot(size, batch, count);
    if (slot >= 0 && batch < 0) {
      batch = AcquireBatch();  // TakeSlot published the partial batch
      if (batch < 0) {
        ProvideSlots(&slot, 1);
        slot = -1;
      }
    }
    if (!Place(slot, packet, size, batch, count)) {
      if (stop_.load(std::memory_order_acquire)) break;
      continue;
    }
    if (count == config_.max_batch && Publish(batch, count, true) && !AwaitLentRing(end_code)) break;
  }

  if (batch >= 0) {
    if (count > 0) {
      Publish(batch, count);
    } else {
      std::lock_guard<std::mutex> guard(lock_);
      free_batches_.push_back(static_cast<uint32_t>(batch));
    }
  }
  if (end_code != 0 && !stop_.load(std::memory_order_acquire)) {
    end_code_.store(end_code, std::memory_order_release);
    notify_(notify_context_, kEnded);
  }
}

}  // namespace magma::wintun
