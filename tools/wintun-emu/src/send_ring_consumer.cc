#include "send_ring_consumer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "logger.h"
#include "monotonic_clock.h"
#include "session.h"

namespace wintun_emu {

namespace {

bool isIpPacket(const uint8_t *packet, uint32_t size) {
  if (size == 0) return false;
  uint8_t version = packet[0] >> 4;
  return (version == 4 && size >= 20) || (version == 6 && size >= 40);
}

}  // namespace

SendRingConsumer::SendRingConsumer(Session &session)
    : session_(session),
      ring_(session.fromApp),
      mask_(session.capacity - 1),
      held_(kMaxIpPacketSize),
      dice_(FaultDirection::FromApp) {}

bool SendRingConsumer::tryConsumeInline() {
  std::unique_lock<std::mutex> guard(lock_, std::try_to_lock);
  if (!guard.owns_lock()) return false;
  // WintunSendPacket sets no error; a failed write or signal here must not leak into errno.
  int savedErrno = errno;
  uint64_t heldBefore = heldId_;
  bool alive = consumeLocked();
  // The driver thread sleeps without a timeout unless a packet is held back or delayed; when one
  // was held here, a packet entered the empty delay line, or the consumer just stopped, wake it
  // so it arms the 10 ms flush or the due time, or exits.
  if (!alive || (heldId_ != 0 && heldId_ != heldBefore) || delayLineStarted_) {
    signalEvent(session_.tailMovedEvent);
  }
  delayLineStarted_ = false;
  errno = savedErrno;
  return true;
}

bool SendRingConsumer::consumeFromDriver() {
  std::lock_guard<std::mutex> guard(lock_);
  bool alive = consumeLocked();
  delayLineStarted_ = false;  // the driver thread reads the due time before it sleeps
  return alive;
}

bool SendRingConsumer::hasWork(uint32_t tail) {
  std::lock_guard<std::mutex> guard(lock_);
  return !stopped_ && (corruptionDue() || (tail != head_ && !paused()));
}

bool SendRingConsumer::writeDuePackets() {
  DelayLine::Entry entry;
  if (!delayLine_.front(&entry)) return true;
  int64_t now = monotonicNs();
  while (!session_.stopping.load(std::memory_order_relaxed)) {
    // Under a steady flow the next packet falls due while this thread writes: it stays here.
    if (entry.dueNs > now && (now = monotonicNs()) < entry.dueNs) return true;
    if (!writeToKernel(entry.data, entry.bytes)) return false;
    // Popped only once written: a sender that finds the line empty may write directly.
    if (!delayLine_.popAndFront(&entry)) return true;
  }
  return true;
}

void SendRingConsumer::setPaused(bool paused) {
  session_.faults.pauseFromApp.store(paused);
  if (paused) return;
  // A sender that saw the pause under the lock published its Tail before taking it, so consuming
  // under the lock here sees every packet that accumulated.
  {
    std::lock_guard<std::mutex> guard(lock_);
    int savedErrno = errno;
    consumeLocked();
    delayLineStarted_ = false;  // signalled below in any case
    errno = savedErrno;
  }
  // The driver thread may sleep without a timeout: let it see a held packet or a stop.
  signalEvent(session_.tailMovedEvent);
}

SendRingConsumer::Timers SendRingConsumer::timers() {
  std::lock_guard<std::mutex> guard(lock_);
  Timers timers;
  timers.heldId = heldId_;
  if (!delayLine_.nextDue(&timers.nextDueNs)) timers.nextDueNs = -1;
  return timers;
}

void SendRingConsumer::flushHeldPacket(uint64_t id) {
  std::lock_guard<std::mutex> guard(lock_);
  if (stopped_ || id == 0 || heldId_ != id) return;
  if (!flushHeld()) markDeadLocked();
  delayLineStarted_ = false;  // called by the driver thread, which re-arms
}

void SendRingConsumer::stop() {
  std::lock_guard<std::mutex> guard(lock_);
  if (!stopped_) markDeadLocked();
  delayLine_.clear();
}

bool SendRingConsumer::consumeLocked() {
  if (stopped_) return false;
  // Once the session is stopping, the driver thread stops the consumer; nobody consumes further.
  if (session_.stopping.load()) return true;
  if (corruptionDue()) {
    logMessage(WINTUN_LOG_WARN, "Fault injection: send ring corrupted");
    markDeadLocked();
    return false;
  }
  if (paused()) return true;
  if (!consumeUpTo(loadAcquire(&ring_->tail))) {
    markDeadLocked();
    return false;
  }
  return true;
}

// Consumes every packet before `tail`; false when the ring is corrupt or the interface gone.
bool SendRingConsumer::consumeUpTo(uint32_t tail) {
  if (tail >= session_.capacity) return corrupt("Tail out of range");
  while (head_ != tail && !session_.stopping.load(std::memory_order_relaxed) && !paused()) {
    uint32_t content = (tail - head_) & mask_;
    if (content < kPacketHeaderSize) return corrupt("truncated packet header");
    uint32_t size = *sizeWordAt(ring_, head_);
    if (size > kMaxIpPacketSize) return corrupt("packet size above 0xFFFF");
    if (packetFootprint(size) > content) return corrupt("packet runs past Tail");
    if (!deliver(ring_->data + head_ + kPacketHeaderSize, size)) return false;
    head_ = (head_ + packetFootprint(size)) & mask_;
    storeRelease(&ring_->head, head_);
    ++consumed_;
    if (corruptionDue()) {
      logMessage(WINTUN_LOG_WARN, "Fault injection: send ring corrupted");
      return false;
    }
  }
  return true;
}

void SendRingConsumer::markDeadLocked() {
  stopped_ = true;
  // The app's next Allocate sees EOF.
  storeRelease(&ring_->head, kDeadOffset);
  flushHeld();
}

bool SendRingConsumer::corrupt(const char *why) {
  logMessage(WINTUN_LOG_ERR,
             std::string("Send ring corrupt (") + why + "); the driver stops consuming it");
  return false;
}

bool SendRingConsumer::corruptionDue() const {
  if ((session_.corruptionRequests.load() & kCorruptFromApp) != 0) return true;
  uint64_t after = session_.faults.corruptFromAppAfter.load(std::memory_order_relaxed);
  return after != 0 && consumed_ >= after;
}

bool SendRingConsumer::paused() const { return session_.faults.pauseFromApp.load(); }

// False when the interface is gone.
bool SendRingConsumer::deliver(const uint8_t *packet, uint32_t size) {
  if (!isIpPacket(packet, size)) {
    count(session_.counters, &Counters::packetsDiscardedFromApp, 1);
    return true;
  }
  dice_.sync(session_.faults);
  const DirectionFaults &faults = session_.faults.fromApp;
  if (dice_.roll(faults.lossPerMillion.load(std::memory_order_relaxed))) {
    count(session_.counters, &Counters::packetsLostByFault, 1);
    return true;
  }
  if (heldSize_ == 0 && dice_.roll(faults.reorderPerMillion.load(std::memory_order_relaxed))) {
    std::memcpy(held_.data(), packet, size);
    heldSize_ = size;
    heldId_ = ++holds_;
    count(session_.counters, &Counters::packetsReorderedByFault, 1);
    return true;
  }
  if (!emit(packet, size)) return false;
  if (dice_.roll(faults.duplicatePerMillion.load(std::memory_order_relaxed))) {
    count(session_.counters, &Counters::packetsDuplicatedByFault, 1);
    if (!emit(packet, size)) return false;
  }
  return flushHeld();
}

bool SendRingConsumer::flushHeld() {
  if (heldSize_ == 0) return true;
  uint32_t size = heldSize_;
  heldSize_ = 0;
  heldId_ = 0;
  return emit(held_.data(), size);
}

// Writes the packet now, or queues it in the delay line while the fault is on, and after it was
// turned off until the line has emptied, so none overtakes another. False when the interface is
// gone.
bool SendRingConsumer::emit(const uint8_t *packet, uint32_t size) {
  int64_t delayNs = session_.faults.fromApp.delayNs();
  if (delayNs == 0 && delayLine_.empty()) return writeToKernel(packet, size);
  switch (delayLine_.push(monotonicNs() + delayNs, packet, size, 1)) {
    case DelayLine::Push::Full:
      count(session_.counters, &Counters::packetsDroppedDelayLineFull, 1);
      return true;
    case DelayLine::Push::First:
      delayLineStarted_ = true;
      break;
    case DelayLine::Push::Behind:
      break;
  }
  count(session_.counters, &Counters::packetsDelayedByFault, 1);
  return true;
}

bool SendRingConsumer::writeToKernel(const uint8_t *packet, uint32_t size) {
  // Counted before the write so a peer that has the packet also sees it counted.
  count(session_.counters, &Counters::packetsFromApp, 1);
  count(session_.counters, &Counters::bytesFromApp, size);
  while (true) {
    ssize_t written = write(session_.tunFd, packet, size);
    if (written >= 0) return true;
    if (errno == EINTR) continue;
    uncount(session_.counters, &Counters::packetsFromApp, 1);
    uncount(session_.counters, &Counters::bytesFromApp, size);
    if (errno == EBADFD || errno == EIO || errno == ENXIO || errno == EBADF) {
      logMessage(WINTUN_LOG_WARN, "TUN interface removed; ending the session");
      session_.interfaceGone.store(true);
      requestDriverStop(session_);
      return false;
    }
    // The kernel refused this packet (malformed header): dropped like a non-IP packet.
    count(session_.counters, &Counters::packetsDiscardedFromApp, 1);
    return true;
  }
}

}  // namespace wintun_emu
