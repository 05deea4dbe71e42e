// The emulated driver's producer of the app's receive ring (wintun.sys's "Send" ring): reads what
// the kernel routes to the TUN interface, gathers one read-until-empty into a batch (wintun.sys
// receives NBL chains), publishes the batch whole or drops it whole when it does not fit, and
// signals the read event per publish. One lock serialises it, so it runs either in the driver
// thread (driver_to_app.cc), which watches the TUN file, or inline in WintunReceivePacket's
// caller when the ring is empty and nobody else is producing: then a busy receiver reads the
// kernel queue itself instead of waiting for a thread hop per batch.
//
// With the delay fault a batch goes into a delay line instead (delay_line.h), stamped with the
// time it would have been published, and whoever produces next after it is due publishes it,
// still whole or dropped whole: the driver thread sleeps until then when nobody else does.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "delay_line.h"
#include "driver_placement.h"
#include "faults.h"
#include "ring.h"

struct _TUN_SESSION;

namespace wintun_emu {

using Session = _TUN_SESSION;

class ReceiveRingProducer {
 public:
  explicit ReceiveRingProducer(Session &session);
  ReceiveRingProducer(const ReceiveRingProducer &) = delete;
  ReceiveRingProducer &operator=(const ReceiveRingProducer &) = delete;

  // From WintunReceivePacket, which found the ring empty: if nobody else is producing, reads the
  // kernel queue in the caller's thread and publishes what it found. True when the ring may have
  // changed (the caller looks again); false when the lock was busy or nothing was read.
  bool tryProduceInline();
  // From every WintunReceivePacket: the app is receiving. A relaxed load and store, not a locked
  // increment: the driver thread only asks whether the number moved, so a lost increment between
  // two concurrent receivers changes nothing that matters.
  void noteReceiveCall() {
    receiveCalls_.store(receiveCalls_.load(std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
  }
  // How many times the app has called WintunReceivePacket: while it keeps moving, the app is
  // receiving, and comes back to read the kernel queue itself whenever it empties the ring, so
  // the driver thread need not watch the TUN file.
  uint64_t receiveCalls() const { return receiveCalls_.load(std::memory_order_relaxed); }
  // Set by the driver thread while it has stopped watching the TUN file for a busy app. The app's
  // WintunReceivePacket that finds nothing at all (its last call before it may wait on the read
  // event) takes the flag and wakes the driver, so a waiting app is never left without a watcher.
  void setDriverResting(bool resting) { driverResting_.store(resting, std::memory_order_seq_cst); }
  bool takeDriverResting() {
    return driverResting_.load(std::memory_order_relaxed) &&
           driverResting_.exchange(false, std::memory_order_seq_cst);
  }

  // From the driver thread as it starts: it is the thread DriverPlacement places.
  void adoptDriverThread(pid_t thread);

  // What the driver thread's poll saw.
  struct Wake {
    bool readable = false;   // POLLIN on the TUN file
    bool gone = false;       // POLLERR / POLLHUP / POLLNVAL on it
    uint64_t silentHeldId = 0;  // the poll timed out with this packet held back (0 = none)
  };
  // What the driver thread's step did.
  struct Step {
    // Published (or corrupted) the ring, or took packets from the kernel into the delay line.
    bool produced = false;
    // Published onto a ring the app had not yet drained: the app is busy with earlier packets
    // and will read the kernel queue itself when it empties the ring.
    bool appBehind = false;
  };
  // The driver thread's step. False when the driver should stop (interface gone, end-of-session
  // fault due, session stopping).
  bool produceFromDriver(const Wake &wake, Step *step);

  // What the driver thread must wake for besides the TUN file: the packet held back by the
  // reordering fault, identified by a number that changes with each hold (0 = none), and when
  // the first batch in the delay line is due (-1 = none). With neither, it sleeps without a
  // timeout.
  struct Timers {
    uint64_t heldId = 0;
    int64_t nextDueNs = -1;
  };
  Timers timers();

  // As wintun.sys does when it unregisters: stops producing for good, sets the receive ring's
  // Tail = 0xFFFFFFFF and signals the read event. Batches still in the delay line are dropped
  // (not counted). Waits for an inline producer in progress; after it returns nothing reads the
  // TUN file any more. Idempotent.
  void stop();

 private:
  enum class Outcome { Idle, Published, Stop };
  // `queued` tells whether packets went into the delay line.
  Outcome produceLocked(bool readable, bool gone, uint64_t silentHeldId, bool *queued);
  bool readBatch();
  void stage(uint8_t *slot, uint32_t size);
  void appendHeld();
  bool delaying() const;
  void delayStaged(int64_t now);
  bool publishDue(int64_t now);
  bool place(const uint8_t *batch, uint32_t bytes, uint32_t packets);
  void announce();
  bool handleCorruptionRequest();
  bool endSessionDue() const;

  Session &session_;
  TunRing *ring_;
  uint32_t mask_;
  uint32_t batchBudget_;
  std::atomic<uint64_t> receiveCalls_{0};
  std::atomic<bool> driverResting_{false};
  std::mutex lock_;  // guards everything below
  bool stopped_ = false;
  DriverPlacement placement_;
  uint32_t tail_ = 0;
  std::vector<uint8_t> staging_;
  uint32_t stagedBytes_ = 0;
  uint32_t stagedPackets_ = 0;
  std::vector<uint8_t> held_;
  uint32_t heldBytes_ = 0;
  uint64_t heldId_ = 0;  // 0 = none held
  uint64_t holds_ = 0;
  uint64_t published_ = 0;
  FaultDice dice_;
  DelayLine delayLine_;
  bool delayLineStarted_ = false;  // a batch entered the empty line: the driver must re-arm
};

}  // namespace wintun_emu
