// The emulated driver, app -> kernel: consumes the app's send ring in order and writes each
// packet to the TUN interface. Waits as wintun.sys does: spin briefly, then set Alertable, re-read
// Tail and sleep until WintunSendPacket signals. Non-IP or short packets are dropped and counted;
// a Size above 0xFFFF or an inconsistent ring stops the consumer and marks the ring dead
// (Head = 0xFFFFFFFF), so the app's next AllocateSendPacket fails with ERROR_HANDLE_EOF.
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "logger.h"
#include "session.h"

namespace wintun_emu {

namespace {

constexpr int kSpinRounds = 64;
constexpr int kHeldPacketFlushMs = 10;

bool isIpPacket(const uint8_t *packet, uint32_t size) {
  if (size == 0) return false;
  uint8_t version = packet[0] >> 4;
  return (version == 4 && size >= 20) || (version == 6 && size >= 40);
}

class FromAppDriver {
 public:
  explicit FromAppDriver(Session &session)
      : session_(session),
        ring_(session.fromApp),
        mask_(session.capacity - 1),
        held_(kMaxIpPacketSize),
        dice_(FaultDirection::FromApp) {}

  void run() {
    while (!session_.stopping.load()) {
      uint32_t tail = loadAcquire(&ring_->tail);
      if (tail == head_) tail = waitForTail();
      if (session_.stopping.load()) break;
      if (corruptionDue()) {
        logMessage(WINTUN_LOG_WARN, "Fault injection: send ring corrupted");
        break;
      }
      if (tail == head_) continue;
      if (!consumeUpTo(tail)) break;
    }
    // As wintun.sys's consumer thread does when it exits: the app's next Allocate sees EOF.
    storeRelease(&ring_->head, kDeadOffset);
    flushHeld();
  }

 private:
  uint32_t waitForTail() {
    uint32_t tail = head_;
    for (int round = 0; round < kSpinRounds && tail == head_; ++round) {
      sched_yield();
      tail = loadAcquire(&ring_->tail);
    }
    if (tail != head_) return tail;
    __atomic_store_n(&ring_->alertable, 1, __ATOMIC_SEQ_CST);
    tail = __atomic_load_n(&ring_->tail, __ATOMIC_SEQ_CST);
    if (tail == head_ && !session_.stopping.load() && !corruptionDue()) {
      pollfd waits[2] = {{session_.tailMovedEvent, POLLIN, 0}, {session_.stopEvent, POLLIN, 0}};
      int ready = poll(waits, 2, heldSize_ != 0 ? kHeldPacketFlushMs : -1);
      if (ready == 0) flushHeld();
      if ((waits[0].revents & POLLIN) != 0) drainEvent(session_.tailMovedEvent);
      tail = loadAcquire(&ring_->tail);
    }
    __atomic_store_n(&ring_->alertable, 0, __ATOMIC_SEQ_CST);
    return tail;
  }

  // Consumes every packet before `tail`; false when the ring is corrupt or the interface gone.
  bool consumeUpTo(uint32_t tail) {
    if (tail >= session_.capacity) return corrupt("Tail out of range");
    while (head_ != tail) {
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

  bool corrupt(const char *why) {
    logMessage(WINTUN_LOG_ERR, std::string("Send ring corrupt (") + why +
                                   "); the driver stops consuming it");
    return false;
  }

  bool corruptionDue() {
    if ((session_.corruptionRequests.load() & kCorruptFromApp) != 0) return true;
    uint64_t after = session_.faults.corruptFromAppAfter.load(std::memory_order_relaxed);
    return after != 0 && consumed_ >= after;
  }

  // False when the interface is gone.
  bool deliver(const uint8_t *packet, uint32_t size) {
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
      count(session_.counters, &Counters::packetsReorderedByFault, 1);
      return true;
    }
    if (!writeToKernel(packet, size)) return false;
    if (dice_.roll(faults.duplicatePerMillion.load(std::memory_order_relaxed))) {
      count(session_.counters, &Counters::packetsDuplicatedByFault, 1);
      if (!writeToKernel(packet, size)) return false;
    }
    return flushHeld();
  }

  bool flushHeld() {
    if (heldSize_ == 0) return true;
    uint32_t size = heldSize_;
    heldSize_ = 0;
    return writeToKernel(held_.data(), size);
  }

  bool writeToKernel(const uint8_t *packet, uint32_t size) {
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

  Session &session_;
  TunRing *ring_;
  uint32_t mask_;
  uint32_t head_ = 0;
  uint64_t consumed_ = 0;
  std::vector<uint8_t> held_;
  uint32_t heldSize_ = 0;
  FaultDice dice_;
};

}  // namespace

void runFromAppDriver(Session &session) {
  FromAppDriver driver(session);
  driver.run();
}

}  // namespace wintun_emu
