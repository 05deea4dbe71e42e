#include "receive_ring_producer.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "logger.h"
#include "monotonic_clock.h"
#include "session.h"

namespace wintun_emu {

namespace {

constexpr uint32_t kMaxBatchPackets = 32;
constexpr uint32_t kMaxBatchBytes = 0x40000;

}  // namespace

ReceiveRingProducer::ReceiveRingProducer(Session &session)
    : session_(session),
      ring_(session.toApp),
      mask_(session.capacity - 1),
      // Any batch must fit an empty ring, or it could never be published.
      batchBudget_(session.capacity - kPacketHeaderSize < kMaxBatchBytes
                       ? session.capacity - kPacketHeaderSize
                       : kMaxBatchBytes),
      staging_(kMaxBatchBytes + 2 * kMaxPacketFootprint),
      held_(kMaxPacketFootprint),
      dice_(FaultDirection::ToApp) {}

bool ReceiveRingProducer::tryProduceInline() {
  std::unique_lock<std::mutex> guard(lock_, std::try_to_lock);
  if (!guard.owns_lock()) return false;
  // A successful WintunReceivePacket sets no error; the EAGAIN that ends the batch must not leak.
  int savedErrno = errno;
  uint64_t heldBefore = heldId_;
  bool queued = false;
  Outcome outcome = produceLocked(true, false, 0, &queued);
  if (outcome == Outcome::Published) placement_.appReadQueue(sched_getcpu());
  // The driver thread sleeps without a timeout unless a packet is held back or a batch delayed;
  // when one was held here, or a batch entered the empty delay line, wake it so it arms the
  // 10 ms flush or the due time.
  if ((heldId_ != 0 && heldId_ != heldBefore) || delayLineStarted_) {
    signalEvent(session_.toAppWakeEvent);
  }
  delayLineStarted_ = false;
  errno = savedErrno;
  return outcome != Outcome::Idle;
}

bool ReceiveRingProducer::produceFromDriver(const Wake &wake, Step *step) {
  std::lock_guard<std::mutex> guard(lock_);
  // Head is where the app has released up to; anything between it and Tail is still the app's.
  bool ringHeld = loadAcquire(&ring_->head) != tail_;
  bool queued = false;
  Outcome outcome = produceLocked(wake.readable, wake.gone, wake.silentHeldId, &queued);
  delayLineStarted_ = false;  // the driver thread reads the due time before it sleeps
  step->produced = outcome == Outcome::Published || queued;
  if (step->produced) placement_.driverPublished();
  step->appBehind = step->produced && ringHeld;
  return outcome != Outcome::Stop;
}

void ReceiveRingProducer::adoptDriverThread(pid_t thread) {
  std::lock_guard<std::mutex> guard(lock_);
  placement_.adopt(thread);
}

ReceiveRingProducer::Timers ReceiveRingProducer::timers() {
  std::lock_guard<std::mutex> guard(lock_);
  Timers timers;
  timers.heldId = heldId_;
  if (!delayLine_.nextDue(&timers.nextDueNs)) timers.nextDueNs = -1;
  return timers;
}

void ReceiveRingProducer::stop() {
  std::lock_guard<std::mutex> guard(lock_);
  if (stopped_) return;
  stopped_ = true;
  delayLine_.clear();
  // As wintun.sys does when it unregisters: the app's receive ring dead, the reader woken.
  storeRelease(&ring_->tail, kDeadOffset);
  signalEvent(session_.readEvent);
}

ReceiveRingProducer::Outcome ReceiveRingProducer::produceLocked(bool readable, bool gone,
                                                                uint64_t silentHeldId,
                                                                bool *queued) {
  // Once the session is stopping, the driver thread stops the producer; nobody reads further.
  if (stopped_ || session_.stopping.load()) return Outcome::Stop;
  bool changed = handleCorruptionRequest();
  stagedBytes_ = 0;
  stagedPackets_ = 0;
  if (silentHeldId != 0 && silentHeldId == heldId_) appendHeld();
  if (!gone && readable) gone = !readBatch();
  if (delaying()) {
    // Stamped now, when it would have been published; due batches leave in the same step.
    int64_t now = monotonicNs();
    if (stagedPackets_ > 0) {
      delayStaged(now);
      *queued = true;
    }
    if (publishDue(now)) changed = true;
  } else if (stagedPackets_ > 0) {
    if (place(staging_.data(), stagedBytes_, stagedPackets_)) announce();
    changed = true;
  }
  if (gone) {
    logMessage(WINTUN_LOG_WARN, "TUN interface removed; ending the session");
    session_.interfaceGone.store(true);
    requestDriverStop(session_);
    return Outcome::Stop;
  }
  if (endSessionDue()) {
    logMessage(WINTUN_LOG_WARN, "Fault injection: ending the session");
    requestDriverStop(session_);
    return Outcome::Stop;
  }
  return changed ? Outcome::Published : Outcome::Idle;
}

// Reads until the kernel queue is empty or the batch is full; false if the interface is gone.
bool ReceiveRingProducer::readBatch() {
  while (stagedPackets_ < kMaxBatchPackets && stagedBytes_ + kMaxPacketFootprint <= batchBudget_) {
    uint8_t *slot = staging_.data() + stagedBytes_;
    ssize_t got = read(session_.tunFd, slot + kPacketHeaderSize, kMaxIpPacketSize);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno == EAGAIN;
    }
    if (got == 0) return true;
    stage(slot, static_cast<uint32_t>(got));
  }
  return true;
}

// Applies the faults to the packet just read into `slot` and keeps it in the batch or not.
void ReceiveRingProducer::stage(uint8_t *slot, uint32_t size) {
  dice_.sync(session_.faults);
  const DirectionFaults &faults = session_.faults.toApp;
  if (dice_.roll(faults.lossPerMillion.load(std::memory_order_relaxed))) {
    count(session_.counters, &Counters::packetsLostByFault, 1);
    return;
  }
  std::memcpy(slot, &size, sizeof size);
  uint32_t footprint = packetFootprint(size);
  if (heldBytes_ == 0 && dice_.roll(faults.reorderPerMillion.load(std::memory_order_relaxed))) {
    std::memcpy(held_.data(), slot, footprint);
    heldBytes_ = footprint;
    heldId_ = ++holds_;
    count(session_.counters, &Counters::packetsReorderedByFault, 1);
    return;
  }
  stagedBytes_ += footprint;
  ++stagedPackets_;
  if (dice_.roll(faults.duplicatePerMillion.load(std::memory_order_relaxed))) {
    std::memcpy(staging_.data() + stagedBytes_, slot, footprint);
    stagedBytes_ += footprint;
    ++stagedPackets_;
    count(session_.counters, &Counters::packetsDuplicatedByFault, 1);
  }
  appendHeld();
}

void ReceiveRingProducer::appendHeld() {
  if (heldBytes_ == 0) return;
  std::memcpy(staging_.data() + stagedBytes_, held_.data(), heldBytes_);
  stagedBytes_ += heldBytes_;
  ++stagedPackets_;
  heldBytes_ = 0;
  heldId_ = 0;
}

// Batches go through the delay line while the fault is on, and after it was turned off until the
// line has emptied, so none overtakes another.
bool ReceiveRingProducer::delaying() const {
  return session_.faults.toApp.delayNs() != 0 || !delayLine_.empty();
}

void ReceiveRingProducer::delayStaged(int64_t now) {
  int64_t dueNs = now + session_.faults.toApp.delayNs();
  switch (delayLine_.push(dueNs, staging_.data(), stagedBytes_, stagedPackets_)) {
    case DelayLine::Push::Full:
      count(session_.counters, &Counters::packetsDroppedDelayLineFull, stagedPackets_);
      return;
    case DelayLine::Push::First:
      delayLineStarted_ = true;
      break;
    case DelayLine::Push::Behind:
      break;
  }
  count(session_.counters, &Counters::packetsDelayedByFault, stagedPackets_);
}

// Publishes every delayed batch due by `now`, each whole or dropped whole as it would have been
// when it was read, with one Tail store and one signal for all. True when any left the line.
bool ReceiveRingProducer::publishDue(int64_t now) {
  bool released = false;
  bool placed = false;
  DelayLine::Entry entry;
  bool queued = delayLine_.front(&entry);
  while (queued && entry.dueNs <= now) {
    placed = place(entry.data, entry.bytes, entry.packets) || placed;
    released = true;
    queued = delayLine_.popAndFront(&entry);
  }
  if (placed) announce();
  return released;
}

// Copies a batch (packets with their Size words, as staged) behind the driver's Tail, or drops
// it whole and counts it when it does not fit. The app sees it once announce() stores Tail.
bool ReceiveRingProducer::place(const uint8_t *batch, uint32_t bytes, uint32_t packets) {
  uint32_t head = loadAcquire(&ring_->head);
  uint32_t space = (head - tail_ - kPacketHeaderSize) & mask_;
  if (head >= session_.capacity || bytes > space) {
    uint64_t droppedBytes = 0;
    for (uint32_t offset = 0; offset < bytes;) {
      uint32_t size;
      std::memcpy(&size, batch + offset, sizeof size);
      offset += packetFootprint(size);
      droppedBytes += size;
    }
    count(session_.counters, &Counters::batchesDroppedRingFull, 1);
    count(session_.counters, &Counters::packetsDroppedRingFull, packets);
    count(session_.counters, &Counters::bytesDroppedRingFull, droppedBytes);
    return false;
  }
  uint64_t payloadBytes = 0;
  for (uint32_t offset = 0; offset < bytes;) {
    uint32_t size;
    std::memcpy(&size, batch + offset, sizeof size);
    uint32_t footprint = packetFootprint(size);
    // Each packet is contiguous: one that starts before the wrap point runs into the slack.
    std::memcpy(ring_->data + tail_, batch + offset, footprint);
    tail_ = (tail_ + footprint) & mask_;
    offset += footprint;
    payloadBytes += size;
  }
  count(session_.counters, &Counters::packetsToApp, packets);
  count(session_.counters, &Counters::bytesToApp, payloadBytes);
  published_ += packets;
  return true;
}

void ReceiveRingProducer::announce() {
  storeRelease(&ring_->tail, tail_);
  signalEvent(session_.readEvent);
}

// Publishes a Size word above 0xFFFF: the app's next ReceivePacket reports ERROR_INVALID_DATA.
// True when it did.
bool ReceiveRingProducer::handleCorruptionRequest() {
  uint64_t after = session_.faults.corruptToAppAfter.load(std::memory_order_relaxed);
  bool due = after != 0 && published_ >= after;
  if (!due && (session_.corruptionRequests.load() & kCorruptToApp) == 0) return false;
  uint32_t head = loadAcquire(&ring_->head);
  if (((head - tail_ - kPacketHeaderSize) & mask_) < kPacketHeaderSize) return false;  // later
  session_.corruptionRequests.fetch_and(~static_cast<uint32_t>(kCorruptToApp));
  session_.faults.corruptToAppAfter.store(0);
  uint32_t corrupt = kMaxIpPacketSize + 1;
  std::memcpy(ring_->data + tail_, &corrupt, sizeof corrupt);
  tail_ = (tail_ + kPacketHeaderSize) & mask_;
  storeRelease(&ring_->tail, tail_);
  signalEvent(session_.readEvent);
  logMessage(WINTUN_LOG_WARN, "Fault injection: receive ring corrupted");
  return true;
}

bool ReceiveRingProducer::endSessionDue() const {
  uint64_t after = session_.faults.endSessionAfterToApp.load(std::memory_order_relaxed);
  return after != 0 && published_ >= after;
}

}  // namespace wintun_emu
