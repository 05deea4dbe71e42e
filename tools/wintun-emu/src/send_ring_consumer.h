// The emulated driver's consumer of the app's send ring (wintun.sys's "Receive" ring): takes the
// published packets in order and writes each one to the TUN interface. One lock serialises it, so
// it can run either in the driver thread (driver_from_app.cc) or inline in WintunSendPacket's
// caller, whichever gets the lock; either way packets leave in ring order. Non-IP or short
// packets are dropped and counted; a Size above 0xFFFF or an inconsistent ring stops it for good
// and marks the ring dead (Head = 0xFFFFFFFF), so the app's next Allocate fails with
// ERROR_HANDLE_EOF.
//
// With the delay fault a packet goes into a delay line (delay_line.h) instead of the TUN file,
// stamped with the time it would have been written; the driver thread writes it when it is due,
// outside the consumer's lock, so WintunSendPacket still returns at once.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "delay_line.h"
#include "faults.h"
#include "ring.h"

struct _TUN_SESSION;

namespace wintun_emu {

using Session = _TUN_SESSION;

class SendRingConsumer {
 public:
  explicit SendRingConsumer(Session &session);
  SendRingConsumer(const SendRingConsumer &) = delete;
  SendRingConsumer &operator=(const SendRingConsumer &) = delete;

  // From WintunSendPacket, after it published Tail: consumes up to the current Tail in the
  // caller's thread if nobody else is consuming. False when the lock was busy; the caller then
  // falls back to the Alertable protocol (whoever holds the lock may have read Tail before it
  // moved).
  bool tryConsumeInline();

  // The driver thread's consume step: takes the lock and consumes up to the current Tail. False
  // once the consumer has stopped (corrupt ring, interface gone).
  bool consumeFromDriver();

  // The driver thread, about to sleep with Alertable set: true when there is ring work after all
  // (`tail` moved or a corruption is due, while the consumer runs).
  bool hasWork(uint32_t tail);

  // The driver thread: writes the delayed packets due by now, in order, without the consumer's
  // lock (senders go on queueing behind them). False when the interface is gone. Only the
  // driver thread calls it; stop() is called after it has returned for good.
  bool writeDuePackets();

  // The pause fault (WintunEmuPauseFromApp): while paused nothing consumes, so Head stays and the
  // app's Allocate fills the ring up to the contract's threshold. Resuming consumes, in this
  // thread and in ring order, everything that accumulated, then wakes the driver thread.
  void setPaused(bool paused);

  // What the driver thread must wake for besides a moved Tail: the packet held back by the
  // reordering fault, identified by a number that changes with each hold (0 = none), and when
  // the first packet in the delay line is due (-1 = none).
  struct Timers {
    uint64_t heldId = 0;
    int64_t nextDueNs = -1;
  };
  Timers timers();
  // Writes the held packet if it is still the one identified by `id` (10 ms of silence passed).
  void flushHeldPacket(uint64_t id);

  // As wintun.sys's consumer thread does when it exits: stops consuming for good, writes the held
  // packet, drops what the delay line still holds (the held packet too when it went there; not
  // counted), and sets Head = 0xFFFFFFFF. Waits for an inline consume in progress; after it
  // returns, nothing writes to the TUN file any more. Idempotent.
  void stop();

 private:
  bool consumeLocked();
  bool consumeUpTo(uint32_t tail);
  void markDeadLocked();
  bool corrupt(const char *why);
  bool corruptionDue() const;
  bool paused() const;
  bool deliver(const uint8_t *packet, uint32_t size);
  bool flushHeld();
  bool emit(const uint8_t *packet, uint32_t size);
  bool writeToKernel(const uint8_t *packet, uint32_t size);

  Session &session_;
  TunRing *ring_;
  uint32_t mask_;
  std::mutex lock_;  // guards everything below
  bool stopped_ = false;
  uint32_t head_ = 0;
  uint64_t consumed_ = 0;
  std::vector<uint8_t> held_;
  uint32_t heldSize_ = 0;
  uint64_t heldId_ = 0;  // 0 = none held
  uint64_t holds_ = 0;
  FaultDice dice_;
  DelayLine delayLine_;
  bool delayLineStarted_ = false;  // a packet entered the empty line: the driver must re-arm
};

}  // namespace wintun_emu
