#include "delay_line.h"

#include <cstring>

namespace wintun_emu {

namespace {

constexpr uint32_t align8(uint32_t size) { return (size + 7u) & ~7u; }

struct EntryHeader {
  int64_t dueNs;
  uint32_t bytes;
  uint32_t packets;
};
static_assert(sizeof(EntryHeader) == DelayLine::kEntryHeaderBytes, "entry header size");

uint32_t footprintOf(uint32_t bytes) { return DelayLine::kEntryHeaderBytes + align8(bytes); }

}  // namespace

DelayLine::Push DelayLine::push(int64_t dueNs, const uint8_t *data, uint32_t bytes,
                                uint32_t packets) {
  if (bytes > kBlockBytes - kEntryHeaderBytes) return Push::Full;
  uint32_t footprint = footprintOf(bytes);
  std::lock_guard<std::mutex> guard(lock_);
  if (heldBytes_ + footprint > kMaxBytes) return Push::Full;
  bool wasEmpty = blocks_.empty();
  if (wasEmpty || blocks_.back().write + footprint > kBlockBytes) {
    Block block;
    // Not zero-filled: only bytes written here are ever read.
    block.bytes = spare_ ? std::move(spare_) : std::unique_ptr<uint8_t[]>(new uint8_t[kBlockBytes]);
    blocks_.push_back(std::move(block));
  }
  Block &block = blocks_.back();
  // Entries leave in order: one queued behind a later-due entry leaves right after it.
  if (dueNs < lastDueNs_) dueNs = lastDueNs_;
  lastDueNs_ = dueNs;
  EntryHeader header{dueNs, bytes, packets};
  std::memcpy(block.bytes.get() + block.write, &header, sizeof header);
  std::memcpy(block.bytes.get() + block.write + kEntryHeaderBytes, data, bytes);
  block.write += footprint;
  heldBytes_ += footprint;
  entries_.fetch_add(1, std::memory_order_release);
  return wasEmpty ? Push::First : Push::Behind;
}

bool DelayLine::front(Entry *entry) {
  std::lock_guard<std::mutex> guard(lock_);
  return frontLocked(entry);
}

bool DelayLine::frontLocked(Entry *entry) {
  if (blocks_.empty()) return false;
  const Block &block = blocks_.front();
  EntryHeader header;
  std::memcpy(&header, block.bytes.get() + block.read, sizeof header);
  entry->dueNs = header.dueNs;
  entry->data = block.bytes.get() + block.read + kEntryHeaderBytes;
  entry->bytes = header.bytes;
  entry->packets = header.packets;
  return true;
}

bool DelayLine::popAndFront(Entry *entry) {
  std::lock_guard<std::mutex> guard(lock_);
  popLocked();
  return frontLocked(entry);
}

void DelayLine::popLocked() {
  if (blocks_.empty()) return;
  Block &block = blocks_.front();
  EntryHeader header;
  std::memcpy(&header, block.bytes.get() + block.read, sizeof header);
  uint32_t footprint = footprintOf(header.bytes);
  block.read += footprint;
  heldBytes_ -= footprint;
  if (block.read == block.write) {
    if (!spare_) spare_ = std::move(block.bytes);
    blocks_.pop_front();
  }
  entries_.fetch_sub(1, std::memory_order_release);
}

bool DelayLine::nextDue(int64_t *dueNs) {
  std::lock_guard<std::mutex> guard(lock_);
  if (blocks_.empty()) return false;
  const Block &block = blocks_.front();
  std::memcpy(dueNs, block.bytes.get() + block.read, sizeof *dueNs);
  return true;
}

void DelayLine::clear() {
  std::lock_guard<std::mutex> guard(lock_);
  blocks_.clear();
  spare_.reset();
  heldBytes_ = 0;
  entries_.store(0, std::memory_order_release);
}

}  // namespace wintun_emu
