// The delay fault's line: a first-in first-out queue of packets, each stamped with the monotonic
// time at which it may leave. One per direction and session. It holds at most kMaxBytes: each
// entry counts its bytes plus a 16-byte header, padded to 8; an entry that would go beyond is
// refused and the caller drops its packets. Entries are copied into 1 MiB blocks allocated as the
// line grows and freed as it drains (one kept spare), so its memory follows what it holds. Push
// and pop are O(1) plus the copy, whatever the line holds (tens of thousands of packets at 20 ms
// and several Gb/s).
//
// Thread safety: any thread may push (callers serialise pushes, so due times stay in order);
// exactly one thread pops. An entry returned by front() stays valid and unchanged until that
// thread pops it, so it may read it (write it to the TUN file) without holding any lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

namespace wintun_emu {

class DelayLine {
 public:
  static constexpr uint64_t kMaxBytes = 64ull << 20;
  static constexpr uint32_t kEntryHeaderBytes = 16;  // due time, size, packet count
  static constexpr uint32_t kBlockBytes = 1u << 20;

  struct Entry {
    int64_t dueNs = 0;
    const uint8_t *data = nullptr;
    uint32_t bytes = 0;
    uint32_t packets = 0;
  };

  enum class Push {
    Full,    // refused: it would take the line beyond kMaxBytes
    First,   // queued into an empty line: whoever sleeps until the next due time must re-arm
    Behind,  // queued behind other entries
  };

  DelayLine() = default;
  DelayLine(const DelayLine &) = delete;
  DelayLine &operator=(const DelayLine &) = delete;

  // Queues a copy of `bytes` bytes holding `packets` packets, to leave at dueNs or, if an entry
  // before it is due later (the delay was shortened), right after that one.
  Push push(int64_t dueNs, const uint8_t *data, uint32_t bytes, uint32_t packets);
  // The first entry, if any. Only the popping thread calls it.
  bool front(Entry *entry);
  // Removes the first entry and returns the next, if any, under one lock. Only the popping
  // thread calls it.
  bool popAndFront(Entry *entry);
  // When the first entry is due; false when the line is empty.
  bool nextDue(int64_t *dueNs);
  // Lock-free: an empty line may be bypassed. A pusher that sees it empty has the line to itself
  // (pushes are serialised) and the popper popped the last entry only after it left.
  bool empty() const { return entries_.load(std::memory_order_acquire) == 0; }
  // Drops everything and frees the blocks. Only with no popper running.
  void clear();

 private:
  struct Block {
    std::unique_ptr<uint8_t[]> bytes;
    uint32_t read = 0;   // first byte of the first entry still queued
    uint32_t write = 0;  // end of the last entry
  };
  bool frontLocked(Entry *entry);
  void popLocked();

  // Guards the blocks, offsets and counts below. An entry's bytes are written once, under it,
  // before the entry is counted, and not touched again until it is popped; the deque moves no
  // block's bytes when it grows or shrinks at its ends.
  std::mutex lock_;
  std::deque<Block> blocks_;  // every block holds at least one entry
  std::unique_ptr<uint8_t[]> spare_;  // one emptied block kept to spare an allocation per MiB
  uint64_t heldBytes_ = 0;
  int64_t lastDueNs_ = INT64_MIN;
  std::atomic<uint64_t> entries_{0};
};

}  // namespace wintun_emu
