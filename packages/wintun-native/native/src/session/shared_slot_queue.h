// Native side of a SharedSlotQueue (src/workers/shared-slot-queue.ts): a single-producer,
// single-consumer queue of fixed-size int32 records in a SharedArrayBuffer, between the receive
// thread and one worker thread (the producer side may be a worker steering in the receive
// thread's stead, one thread at a time under the steering's lock: worker_steering.h). Layout:
// four int32 (tail, head, sleeping, closed), then `capacity` records of `width` int32. Each side
// keeps its own index and publishes it with one sequentially consistent store per batch, as the
// JavaScript side does with Atomics: both sides' stores and loads of the header are seq_cst,
// which is what the sleep protocol needs (a consumer sets `sleeping` then reads `tail`; a
// producer stores `tail` then reads `sleeping`: one of them sees the other).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace magma::wintun {

class SharedSlotQueueView {
 public:
  SharedSlotQueueView() = default;
  // A view of the queue in `memory` (`length` bytes, 4-aligned), or an empty view when it does
  // not hold a queue of `capacity` (a power of two) records of `width`.
  SharedSlotQueueView(uint8_t* memory, size_t length, uint32_t capacity, uint32_t width);

  bool valid() const { return records_ != nullptr; }

  // Producer: appends a record (not yet visible); false when full.
  bool Push(int32_t first, int32_t second) {
    if (tail_ - header(kHead).load(std::memory_order_acquire) >= capacity_) return false;
    int32_t* record = records_ + static_cast<size_t>(tail_ & (capacity_ - 1)) * width_;
    record[0] = first;
    if (width_ > 1) record[1] = second;
    ++tail_;
    return true;
  }
  // Producer: makes the records pushed so far visible, then reports whether the consumer slept
  // on the queue, clearing the flag so that exactly one waker wakes it.
  bool PublishAndTakeSleeper() {
    header(kTail).store(tail_, std::memory_order_seq_cst);
    std::atomic<uint32_t>& sleeping = header(kSleeping);
    return sleeping.load(std::memory_order_seq_cst) != 0 && sleeping.exchange(0, std::memory_order_seq_cst) != 0;
  }

  // Producer: whether the consumer declared itself asleep on the queue and nobody woke it yet.
  bool ConsumerSleeping() const { return header(kSleeping).load(std::memory_order_seq_cst) != 0; }

  // Producer: records pushed and not yet taken by the consumer.
  uint32_t Backlog() const { return tail_ - header(kHead).load(std::memory_order_acquire); }

  // Consumer: the records published and not yet taken; record `index`'s field `field`. A tail
  // behind the head, or more than `capacity` ahead of it, is a header the other side wrote wrong:
  // nothing is taken until it is right again, so a bad producer can neither make this side read
  // records it never published nor keep it looping.
  uint32_t Available() const {
    const uint32_t available = header(kTail).load(std::memory_order_acquire) - head_;
    return available > capacity_ ? 0 : available;
  }
  int32_t Peek(uint32_t index, uint32_t field) const {
    return records_[static_cast<size_t>((head_ + index) & (capacity_ - 1)) * width_ + field];
  }
  void Take(uint32_t count) {
    head_ += count;
    header(kHead).store(head_, std::memory_order_release);
  }

 private:
  static constexpr uint32_t kTail = 0, kHead = 1, kSleeping = 2;
  static constexpr uint32_t kHeaderFields = 4;
  std::atomic<uint32_t>& header(uint32_t field) const { return header_[field]; }

  std::atomic<uint32_t>* header_ = nullptr;
  int32_t* records_ = nullptr;
  uint32_t capacity_ = 0;
  uint32_t width_ = 0;
  uint32_t tail_ = 0;  // producer's own index
  uint32_t head_ = 0;  // consumer's own index
};

}  // namespace magma::wintun
