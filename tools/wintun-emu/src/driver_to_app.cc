// The emulated driver, kernel -> app: reads what the kernel routes to the TUN interface, gathers
// each wake-up's packets into one batch (wintun.sys receives NBL chains), publishes the batch into
// the ring whole or drops it whole when it does not fit, and signals the read event per publish.
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "logger.h"
#include "session.h"
#include "tun_device.h"

namespace wintun_emu {

namespace {

constexpr uint32_t kMaxBatchPackets = 32;
constexpr uint32_t kMaxBatchBytes = 0x40000;
constexpr int kHeldPacketFlushMs = 10;

class ToAppDriver {
 public:
  explicit ToAppDriver(Session &session)
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

  void run() {
    pollfd waits[3] = {{session_.tunFd, POLLIN, 0},
                       {session_.stopEvent, POLLIN, 0},
                       {session_.toAppWakeEvent, POLLIN, 0}};
    while (true) {
      int ready = poll(waits, 3, heldBytes_ != 0 ? kHeldPacketFlushMs : -1);
      if (ready < 0 && errno == EINTR) continue;
      if (session_.stopping.load() || (waits[1].revents & POLLIN) != 0) break;
      if ((waits[2].revents & POLLIN) != 0) drainEvent(session_.toAppWakeEvent);
      handleCorruptionRequest();
      stagedBytes_ = 0;
      stagedPackets_ = 0;
      if (ready == 0) appendHeld();
      bool gone = (waits[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
      if (!gone && (waits[0].revents & POLLIN) != 0) gone = !readBatch();
      if (stagedPackets_ > 0) publish();
      if (gone) {
        interfaceGone();
        break;
      }
      if (endSessionDue()) {
        logMessage(WINTUN_LOG_WARN, "Fault injection: ending the session");
        requestDriverStop(session_);
        break;
      }
    }
    // As wintun.sys does when it unregisters: media disconnected, the app's receive ring dead,
    // the reader woken.
    setTunCarrier(session_.tunFd, false);
    storeRelease(&ring_->tail, kDeadOffset);
    signalEvent(session_.readEvent);
  }

 private:
  // Reads until the kernel queue is empty or the batch is full; false if the interface is gone.
  bool readBatch() {
    while (stagedPackets_ < kMaxBatchPackets &&
           stagedBytes_ + kMaxPacketFootprint <= batchBudget_) {
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
  void stage(uint8_t *slot, uint32_t size) {
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

  void appendHeld() {
    if (heldBytes_ == 0) return;
    std::memcpy(staging_.data() + stagedBytes_, held_.data(), heldBytes_);
    stagedBytes_ += heldBytes_;
    ++stagedPackets_;
    heldBytes_ = 0;
  }

  void publish() {
    uint32_t head = loadAcquire(&ring_->head);
    uint32_t space = (head - tail_ - kPacketHeaderSize) & mask_;
    if (head >= session_.capacity || stagedBytes_ > space) {
      count(session_.counters, &Counters::batchesDroppedRingFull, 1);
      count(session_.counters, &Counters::packetsDroppedRingFull, stagedPackets_);
      return;
    }
    uint64_t payloadBytes = 0;
    for (uint32_t offset = 0; offset < stagedBytes_;) {
      uint32_t size;
      std::memcpy(&size, staging_.data() + offset, sizeof size);
      uint32_t footprint = packetFootprint(size);
      // Each packet is contiguous: one that starts before the wrap point runs into the slack.
      std::memcpy(ring_->data + tail_, staging_.data() + offset, footprint);
      tail_ = (tail_ + footprint) & mask_;
      offset += footprint;
      payloadBytes += size;
    }
    count(session_.counters, &Counters::packetsToApp, stagedPackets_);
    count(session_.counters, &Counters::bytesToApp, payloadBytes);
    storeRelease(&ring_->tail, tail_);
    published_ += stagedPackets_;
    signalEvent(session_.readEvent);
  }

  // Publishes a Size word above 0xFFFF: the app's next ReceivePacket reports ERROR_INVALID_DATA.
  void handleCorruptionRequest() {
    uint64_t after = session_.faults.corruptToAppAfter.load(std::memory_order_relaxed);
    bool due = after != 0 && published_ >= after;
    if (!due && (session_.corruptionRequests.load() & kCorruptToApp) == 0) return;
    uint32_t head = loadAcquire(&ring_->head);
    if (((head - tail_ - kPacketHeaderSize) & mask_) < kPacketHeaderSize) return;  // retry later
    session_.corruptionRequests.fetch_and(~static_cast<uint32_t>(kCorruptToApp));
    session_.faults.corruptToAppAfter.store(0);
    uint32_t corrupt = kMaxIpPacketSize + 1;
    std::memcpy(ring_->data + tail_, &corrupt, sizeof corrupt);
    tail_ = (tail_ + kPacketHeaderSize) & mask_;
    storeRelease(&ring_->tail, tail_);
    signalEvent(session_.readEvent);
    logMessage(WINTUN_LOG_WARN, "Fault injection: receive ring corrupted");
  }

  bool endSessionDue() const {
    uint64_t after = session_.faults.endSessionAfterToApp.load(std::memory_order_relaxed);
    return after != 0 && published_ >= after;
  }

  void interfaceGone() {
    logMessage(WINTUN_LOG_WARN, "TUN interface removed; ending the session");
    session_.interfaceGone.store(true);
    requestDriverStop(session_);
  }

  Session &session_;
  TunRing *ring_;
  uint32_t mask_;
  uint32_t batchBudget_;
  uint32_t tail_ = 0;
  std::vector<uint8_t> staging_;
  uint32_t stagedBytes_ = 0;
  uint32_t stagedPackets_ = 0;
  std::vector<uint8_t> held_;
  uint32_t heldBytes_ = 0;
  uint64_t published_ = 0;
  FaultDice dice_;
};

}  // namespace

void runToAppDriver(Session &session) {
  ToAppDriver driver(session);
  driver.run();
}

}  // namespace wintun_emu
