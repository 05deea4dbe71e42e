// The emulated driver's kernel -> app thread. WintunReceivePacket usually reads the TUN file
// itself when it finds the ring empty (receive_ring_producer.h); this thread covers what the
// caller cannot: packets that arrive while the app is not calling (it watches the TUN file,
// publishes them and signals the read event), a reordered packet held back through 10 ms of
// silence, delayed batches that fall due while nobody else produces (it sleeps until the first
// is due), fault requests, and stopping.
//
// While the app keeps reading the kernel queue itself, watching the TUN file would only wake
// this thread for packets the app takes first, or would take them itself in small batches while
// the app is busy with the ring (a context switch per batch on a busy machine). So when a
// wake-up finds the queue already drained by the app, or has to publish onto a ring the app has
// not drained yet, while the app keeps calling WintunReceivePacket, the thread stops watching
// the file and looks again every kAppActiveRecheck; as soon as a look finds that the app made no
// call since the previous one, it watches the file again. A packet that arrives just
// after the app stopped calling therefore waits up to about that long (README, differences).
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "monotonic_clock.h"
#include "session.h"
#include "tun_device.h"

namespace wintun_emu {

namespace {

constexpr int64_t kHeldPacketFlushNs = 10'000'000;
constexpr int64_t kAppActiveRecheckNs = 1'000'000;

}  // namespace

void runToAppDriver(Session &session) {
  ReceiveRingProducer &producer = *session.producer;
  pollfd waits[3] = {{session.tunFd, POLLIN, 0},
                     {session.stopEvent, POLLIN, 0},
                     {session.toAppWakeEvent, POLLIN, 0}};
  uint64_t callsSeen = producer.receiveCalls();
  bool appActive = false;
  // The packet held back by the reordering fault and when this thread first saw it: whoever
  // reads the next packet appends it, so one still held 10 ms later means 10 ms of silence.
  uint64_t heldId = 0;
  int64_t heldSince = 0;
  while (true) {
    ReceiveRingProducer::Timers timers = producer.timers();
    uint64_t held = timers.heldId;
    int64_t now = monotonicNs();
    if (held != heldId) {
      heldId = held;
      heldSince = now;
    }
    int64_t timeoutNs = -1;
    // Negative timeouts mean "none" here, so one already due is 0.
    if (held != 0) timeoutNs = std::max<int64_t>(heldSince + kHeldPacketFlushNs - now, 0);
    if (timers.nextDueNs >= 0) {
      timeoutNs = earlierTimeout(timeoutNs, timers.nextDueNs > now ? timers.nextDueNs - now : 0);
    }
    if (appActive) timeoutNs = earlierTimeout(timeoutNs, kAppActiveRecheckNs);
    // A negative fd is ignored by poll: the app is reading the kernel queue itself.
    waits[0].fd = appActive ? -1 : session.tunFd;
    timespec timeout = timeoutFromNs(timeoutNs);
    int ready = ppoll(waits, 3, timeoutNs < 0 ? nullptr : &timeout, nullptr);
    if (ready < 0 && errno == EINTR) continue;
    if (session.stopping.load() || (waits[1].revents & POLLIN) != 0) break;
    bool handedBack = (waits[2].revents & POLLIN) != 0;
    if (handedBack) drainEvent(session.toAppWakeEvent);
    uint64_t calls = producer.receiveCalls();
    bool appCalled = calls != callsSeen;
    callsSeen = calls;
    // The app found the ring and the kernel queue empty (it may wait now), or stopped calling.
    if (appActive && (handedBack || !appCalled)) {
      appActive = false;
      producer.setDriverResting(false);
    }
    ReceiveRingProducer::Wake wake;
    wake.gone = (waits[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    wake.readable = (waits[0].revents & POLLIN) != 0;
    wake.silentHeldId = held != 0 && monotonicNs() - heldSince >= kHeldPacketFlushNs ? held : 0;
    ReceiveRingProducer::Step step;
    if (!producer.produceFromDriver(wake, &step)) break;
    // Woken for a packet the app had already taken, or for one the busy app will read itself
    // once it has drained the ring: the app is reading the queue itself. (An app that waits on
    // the read event drains the ring first, so the driver keeps watching for it.)
    if (wake.readable && appCalled && (!step.produced || step.appBehind)) {
      appActive = true;
      producer.setDriverResting(true);
    }
  }
  // As wintun.sys does when it unregisters: media disconnected, the app's receive ring dead,
  // the reader woken.
  setTunCarrier(session.tunFd, false);
  producer.stop();
}

}  // namespace wintun_emu
