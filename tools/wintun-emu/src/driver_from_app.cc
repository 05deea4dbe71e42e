// The emulated driver's app -> kernel thread. WintunSendPacket usually consumes the send ring
// itself (send_ring_consumer.h); this thread covers what the caller cannot: packets published
// while someone else held the consumer, a reordered packet held back through 10 ms of silence,
// and stopping. It waits as wintun.sys does, minus the spin: set Alertable, re-read Tail (both
// sequentially consistent, the missed-wakeup fix of wintun master), and sleep until
// WintunSendPacket signals or the session stops.
#include <poll.h>

#include <cerrno>

#include "session.h"

namespace wintun_emu {

namespace {

constexpr int kHeldPacketFlushMs = 10;

void waitForWork(Session &session, SendRingConsumer &consumer) {
  TunRing *ring = session.fromApp;
  __atomic_store_n(&ring->alertable, 1, __ATOMIC_SEQ_CST);
  uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_SEQ_CST);
  if (!session.stopping.load() && !consumer.hasWork(tail)) {
    uint64_t held = consumer.heldPacketId();
    pollfd waits[2] = {{session.tailMovedEvent, POLLIN, 0}, {session.stopEvent, POLLIN, 0}};
    int ready = poll(waits, 2, held != 0 ? kHeldPacketFlushMs : -1);
    if (ready == 0) consumer.flushHeldPacket(held);
    if (ready > 0 && (waits[0].revents & POLLIN) != 0) drainEvent(session.tailMovedEvent);
  }
  __atomic_store_n(&ring->alertable, 0, __ATOMIC_SEQ_CST);
}

}  // namespace

void runFromAppDriver(Session &session) {
  SendRingConsumer &consumer = *session.consumer;
  while (!session.stopping.load() && consumer.consumeFromDriver()) {
    waitForWork(session, consumer);
  }
  consumer.stop();
}

}  // namespace wintun_emu
