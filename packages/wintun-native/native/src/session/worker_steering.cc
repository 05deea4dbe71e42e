#include "worker_steering.h"

#include "../flow/flow_hash.h"

namespace magma::wintun {

SharedSlotQueueView::SharedSlotQueueView(uint8_t* memory, size_t length, uint32_t capacity, uint32_t width) {
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t) && std::atomic<uint32_t>::is_always_lock_free,
                "the queue header is shared with JavaScript's Atomics as plain 32-bit words");
  const bool power_of_two = capacity != 0 && (capacity & (capacity - 1)) == 0;
  if (memory == nullptr || !power_of_two || width == 0 || width > 2 ||
      reinterpret_cast<uintptr_t>(memory) % alignof(std::atomic<uint32_t>) != 0 ||
      length < (kHeaderFields + static_cast<size_t>(capacity) * width) * sizeof(int32_t)) {
    return;
  }
  header_ = reinterpret_cast<std::atomic<uint32_t>*>(memory);
  records_ = reinterpret_cast<int32_t*>(memory) + kHeaderFields;
  capacity_ = capacity;
  width_ = width;
  // A queue is given to this side once, before it is used; the other side may already have
  // published or taken records (a restart attaches fresh, empty queues).
  tail_ = header(kTail).load(std::memory_order_acquire);
  head_ = header(kHead).load(std::memory_order_acquire);
}

WorkerSteering::WorkerSteering(const flow::SipHashKey& key, uint32_t workers, std::vector<SlotMemory> slots)
    : key_(key), slots_(std::move(slots)), workers_(workers), owner_(slots_.size(), 0) {
  static_assert(kMaxSteeredWorkers < kAdopted, "a slot's owner is one byte");
}

void WorkerSteering::SetQueues(uint32_t worker, SharedSlotQueueView hand_off, SharedSlotQueueView returns,
                               bool count_lost, std::vector<int32_t>& reclaimed) {
  std::lock_guard<std::mutex> guard(lock_);
  if (worker >= workers_.size()) return;
  TakeReturnsLocked(worker, reclaimed);
  const uint8_t mark = static_cast<uint8_t>(worker + 1);
  uint64_t lost = 0;
  for (size_t id = 0; id < owner_.size(); ++id) {
    if (owner_[id] != mark) continue;
    owner_[id] = 0;
    reclaimed.push_back(static_cast<int32_t>(id));
    ++lost;
  }
  Worker& entry = workers_[worker];
  if (count_lost) entry.counters.lost += lost;
  entry.hand_off = hand_off;
  entry.returns = returns;
  // The waker stays: the new thread may have registered its own already, and the dead one's
  // leaves when its environment ends (ClearWaker). A new queue starts awake, so nobody wakes it
  // before its worker has slept on it.
}

void WorkerSteering::SetWaker(uint32_t worker, std::shared_ptr<WorkerWaker> waker) {
  std::lock_guard<std::mutex> guard(lock_);
  if (worker < workers_.size()) workers_[worker].waker = std::move(waker);
}

void WorkerSteering::ClearWaker(uint32_t worker, const WorkerWaker* waker) {
  std::lock_guard<std::mutex> guard(lock_);
  if (worker < workers_.size() && workers_[worker].waker.get() == waker) workers_[worker].waker.reset();
}

bool WorkerSteering::Steer(const int32_t* pairs, uint32_t count, std::vector<int32_t>& refused) {
  std::lock_guard<std::mutex> guard(lock_);
  const uint32_t worker_count = static_cast<uint32_t>(workers_.size());
  for (uint32_t i = 0; i < count; ++i) {
    const int32_t id = pairs[2 * i];
    const int32_t length = pairs[2 * i + 1];
    // The pairs come from the receive path, which only writes slots it holds; a bad one is
    // refused rather than read.
    if (id < 0 || static_cast<size_t>(id) >= slots_.size()) continue;
    if (length < 0 || static_cast<uint32_t>(length) > slots_[id].capacity) {
      refused.push_back(id);
      continue;
    }
    const uint64_t hash = flow::FlowHash(key_, slots_[id].data, static_cast<size_t>(length));
    const uint32_t index = flow::WorkerOf(hash, worker_count);
    Worker& worker = workers_[index];
    if (!worker.hand_off.valid() || !worker.hand_off.Push(id, length)) {
      ++worker.counters.queue_full;
      refused.push_back(id);
      continue;
    }
    owner_[id] = static_cast<uint8_t>(index + 1);
    ++worker.counters.handed_off;
    worker.touched = true;
  }
  bool all_awake = true;
  for (Worker& worker : workers_) {
    if (worker.touched) {
      worker.touched = false;
      if (worker.hand_off.PublishAndTakeSleeper() && worker.waker != nullptr) worker.waker->Wake();
    }
    // A worker just woken counts as awake: its flag is clear.
    all_awake = all_awake && worker.hand_off.valid() && !worker.hand_off.ConsumerSleeping();
  }
  return all_awake;
}

void WorkerSteering::TakeReturns(std::vector<int32_t>& out) {
  std::lock_guard<std::mutex> guard(lock_);
  for (uint32_t worker = 0; worker < workers_.size(); ++worker) TakeReturnsLocked(worker, out);
}

void WorkerSteering::TakeReturnsLocked(uint32_t worker, std::vector<int32_t>& out) {
  SharedSlotQueueView& returns = workers_[worker].returns;
  if (!returns.valid()) return;
  const uint32_t available = returns.Available();
  if (available == 0) return;
  const uint8_t mark = static_cast<uint8_t>(worker + 1);
  for (uint32_t i = 0; i < available; ++i) {
    const int32_t id = returns.Peek(i, 0);
    // Only a slot this worker holds comes back: anything else (a slot returned twice, a stray
    // number) would let two packets share memory.
    if (id < 0 || static_cast<size_t>(id) >= owner_.size() || owner_[id] != mark) continue;
    owner_[id] = 0;
    out.push_back(id);
  }
  returns.Take(available);
}

void WorkerSteering::Adopt(const std::vector<int32_t>& slots) {
  std::lock_guard<std::mutex> guard(lock_);
  for (int32_t id : slots) {
    if (id >= 0 && static_cast<size_t>(id) < owner_.size()) owner_[id] = kAdopted;
  }
}

void WorkerSteering::TakeAll(std::vector<int32_t>& out) {
  std::lock_guard<std::mutex> guard(lock_);
  for (size_t id = 0; id < owner_.size(); ++id) {
    if (owner_[id] == 0) continue;
    owner_[id] = 0;
    out.push_back(static_cast<int32_t>(id));
  }
}

bool WorkerSteering::AllBacklogged(uint32_t records) {
  std::lock_guard<std::mutex> guard(lock_);
  for (Worker& worker : workers_) {
    if (!worker.hand_off.valid() || worker.hand_off.Backlog() < records) return false;
  }
  return true;
}

void WorkerSteering::SetPuller(WorkerRingPuller* puller) {
  std::lock_guard<std::mutex> guard(puller_lock_);
  puller_ = puller;
}

int32_t WorkerSteering::Pull() {
  std::unique_lock<std::mutex> guard(puller_lock_, std::try_to_lock);
  if (!guard.owns_lock() || puller_ == nullptr) return -1;
  return puller_->PullForWorkers();
}

void WorkerSteering::ReadCounters(std::vector<WorkerSteeringCounters>& out) {
  std::lock_guard<std::mutex> guard(lock_);
  out.clear();
  for (const Worker& worker : workers_) out.push_back(worker.counters);
}

}  // namespace magma::wintun
