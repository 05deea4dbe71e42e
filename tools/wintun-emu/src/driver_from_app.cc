// The emulated driver's app -> kernel thread. WintunSendPacket usually consumes the send ring
// itself (send_ring_consumer.h); this thread covers what the caller cannot: packets published
// while someone else held the consumer, a reordered packet held back through 10 ms of silence,
// delayed packets (it writes each when it is due, sleeping until the first is), and stopping.
// It waits as wintun.sys does, minus the spin: set Alertable, re-read Tail (both sequentially
// consistent, the missed-wakeup fix of wintun master), and sleep until WintunSendPacket signals,
// a timer is due, or the session stops.
#include <poll.h>
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "monotonic_clock.h"
#include "session.h"

namespace wintun_emu {

namespace {

constexpr int64_t kHeldPacketFlushNs = 10'000'000;

// timeoutNs < 0: no timeout; 0: do not sleep.
void waitForWork(Session &session, SendRingConsumer &consumer, int64_t timeoutNs) {
  TunRing *ring = session.fromApp;
  __atomic_store_n(&ring->alertable, 1, __ATOMIC_SEQ_CST);
  uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_SEQ_CST);
  if (timeoutNs != 0 && !session.stopping.load() && !consumer.hasWork(tail)) {
    pollfd waits[2] = {{session.tailMovedEvent, POLLIN, 0}, {session.stopEvent, POLLIN, 0}};
    timespec timeout = timeoutFromNs(timeoutNs);
    int ready = ppoll(waits, 2, timeoutNs < 0 ? nullptr : &timeout, nullptr);
    if (ready > 0 && (waits[0].revents & POLLIN) != 0) drainEvent(session.tailMovedEvent);
  }
  __atomic_store_n(&ring->alertable, 0, __ATOMIC_SEQ_CST);
}

}  // namespace

void runFromAppDriver(Session &session) {
  // Named, so that a profile or /proc tells the emulated driver's threads from the app's.
  // prctl, not pthread_setname_np: that needs glibc 2.34, above the shipped library's 2.28.
  prctl(PR_SET_NAME, "wintun-from-app");
  SendRingConsumer &consumer = *session.consumer;
  // The packet held back by the reordering fault and when this thread first saw it: the next
  // packet sent releases it, so one still held 10 ms later means 10 ms of silence.
  uint64_t heldId = 0;
  int64_t heldSince = 0;
  while (!session.stopping.load()) {
    bool consuming = consumer.consumeFromDriver();
    if (!consumer.writeDuePackets()) break;  // the interface is gone
    SendRingConsumer::Timers timers = consumer.timers();
    // A consumer stopped by a corrupt ring still lets the packets already delayed leave.
    if (!consuming && timers.nextDueNs < 0) break;
    int64_t now = monotonicNs();
    if (timers.heldId != heldId) {
      heldId = timers.heldId;
      heldSince = now;
    }
    if (heldId != 0 && now - heldSince >= kHeldPacketFlushNs) {
      consumer.flushHeldPacket(heldId);
      continue;
    }
    int64_t timeoutNs = heldId != 0 ? heldSince + kHeldPacketFlushNs - now : -1;
    if (timers.nextDueNs >= 0) {
      timeoutNs = earlierTimeout(timeoutNs, std::max<int64_t>(timers.nextDueNs - now, 0));
    }
    waitForWork(session, consumer, timeoutNs);
  }
  consumer.stop();
}

}  // namespace wintun_emu
