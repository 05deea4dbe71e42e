// The emulated driver's kernel -> app thread. WintunReceivePacket usually reads the TUN file
// itself when it finds the ring empty (receive_ring_producer.h); this thread covers what the
// caller cannot: packets that arrive while the app is not calling (it watches the TUN file,
// publishes them and signals the read event), a reordered packet held back through 10 ms of
// silence, delayed batches that fall due while nobody else produces (it sleeps until the first
// is due), fault requests, and stopping.
//
// wintun.sys publishes from the sending stack's own context and wakes nobody but a waiting app.
// Here every wake-up of this thread is a context switch in the app's process, on the app's CPUs,
// so it watches the TUN file only while it must:
//  - While the app keeps reading the kernel queue itself, watching would only wake this thread
//    for packets the app takes first. So when a wake-up finds the queue already drained by the
//    app, or has to publish onto a ring the app has not drained yet, while the app keeps calling
//    WintunReceivePacket, the thread stops watching and looks every kAppActiveRecheck; as soon as
//    a look finds that the app made no call since the previous one, it watches the file again. A
//    packet that arrives just after the app stopped calling waits up to about that long.
//  - While the app is behind (busy with packets it has not released, not calling), watching
//    would wake this thread for every packet the kernel queues, to publish each behind the ones
//    the app has yet to get to. So after kBehindWakeUps wake-ups in a row that each published
//    onto an undrained ring with no call in between (an app busy for longer than a batch), it
//    stops watching and publishes what the kernel queued every kBehindLook instead, as interrupt
//    moderation would, until a look finds the ring drained or nothing queued. Those packets wait
//    behind the ones in the ring anyway, and a WintunReceivePacket that finds the ring empty
//    reads the kernel queue itself.
// The call that finds both the ring and the queue empty, after which the app may wait on the read
// event, hands the watch back at once (README, differences). While the app reads the kernel queue
// itself, this thread runs on the app's CPU (driver_placement.h).
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

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
// Short enough that the kernel's queue (500 packets by default) cannot fill in between below
// 2.5 million packets a second; long enough to publish a busy app's packets in batches.
constexpr int64_t kBehindLookNs = 200'000;
// One wake-up without a call is an app in the middle of a batch; it calls again within
// microseconds, and moderating would only delay the packets it is about to read (measured: a
// reflector at 256 packets in flight lost 7% with moderation from the first).
constexpr uint32_t kBehindWakeUps = 3;

// Whether this thread's wake-ups may preempt the thread running on their CPU (SCHED_OTHER, the
// default) or may not (SCHED_BATCH; neither change needs a privilege). Changed only when it must;
// where the system refuses a change, the thread stays as it is and tries no more.
class WakeUpPolicy {
 public:
  void set(bool preempting) {
    if (preempting == preempting_ || refused_) return;
    sched_param none{};
    if (sched_setscheduler(0, preempting ? SCHED_OTHER : SCHED_BATCH, &none) == 0) {
      preempting_ = preempting;
    } else {
      refused_ = true;
    }
  }

 private:
  bool preempting_ = true;
  bool refused_ = false;
};

// What the thread does about the TUN file.
enum class Watch {
  kFile,        // polls it: the app may be waiting
  kAppReading,  // leaves it to the app, which keeps calling WintunReceivePacket
  kAppBehind,   // reads it every kBehindLook for an app busy with undrained packets
};

}  // namespace

void runToAppDriver(Session &session) {
  // Named, so that a profile or /proc tells the emulated driver's threads from the app's.
  // prctl, not pthread_setname_np: that needs glibc 2.34, above the shipped library's 2.28.
  prctl(PR_SET_NAME, "wintun-to-app");
  ReceiveRingProducer &producer = *session.producer;
  producer.adoptDriverThread(static_cast<pid_t>(syscall(SYS_gettid)));
  pollfd waits[3] = {{session.tunFd, POLLIN, 0},
                     {session.stopEvent, POLLIN, 0},
                     {session.toAppWakeEvent, POLLIN, 0}};
  uint64_t callsSeen = producer.receiveCalls();
  Watch watch = Watch::kFile;
  uint32_t behindWakeUps = 0;
  // wintun.sys publishes in the sender's context and never takes the app's CPU. This thread, woken
  // by a packet on the app's CPU, would preempt the app under the default policy, and an app that
  // spins on the ring makes that happen for nearly every packet: each 259 it gets between packets
  // hands the watch of the TUN file back (above), so each packet wakes this thread, which finds it
  // already taken (measured with the app pinned to one CPU with these threads: half to three
  // quarters of its packets paid a preemption, about 30 us each on our virtual machines). So
  // while it watches the file with nothing timed, its wake-ups do not preempt: on an idle CPU (an
  // app waiting on the read event leaves its own idle) it runs at once, on a busy one when the
  // running thread sleeps or its time slice ends. Looks at an app that is behind, held packets
  // and delayed batches keep their timing and preempt as before: late, a look could let the
  // kernel's queue overflow.
  WakeUpPolicy policy;
  // Every change of `watch` goes through here: the resting flag tells a WintunReceivePacket that
  // finds nothing to hand the watch back.
  auto setWatch = [&](Watch next) {
    if ((watch == Watch::kFile) != (next == Watch::kFile)) {
      producer.setDriverResting(next != Watch::kFile);
    }
    watch = next;
  };
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
    if (watch == Watch::kAppReading) timeoutNs = earlierTimeout(timeoutNs, kAppActiveRecheckNs);
    if (watch == Watch::kAppBehind) timeoutNs = earlierTimeout(timeoutNs, kBehindLookNs);
    policy.set(watch != Watch::kFile || timeoutNs >= 0);
    // A negative fd is ignored by poll: the app reads the kernel queue itself, or a look will.
    waits[0].fd = watch == Watch::kFile ? session.tunFd : -1;
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
    if (handedBack || (watch == Watch::kAppReading && !appCalled)) setWatch(Watch::kFile);
    // Woken while moderating (by the look's timer, or another): read what the kernel queued.
    bool look = watch == Watch::kAppBehind;
    ReceiveRingProducer::Wake wake;
    wake.gone = (waits[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0;
    wake.readable = (waits[0].revents & POLLIN) != 0 || look;
    wake.silentHeldId = held != 0 && monotonicNs() - heldSince >= kHeldPacketFlushNs ? held : 0;
    ReceiveRingProducer::Step step;
    if (!producer.produceFromDriver(wake, &step)) break;
    // Wake-ups in a row that published behind undrained packets with no call in between.
    behindWakeUps = !look && !appCalled && step.appBehind ? behindWakeUps + 1 : 0;
    if (look) {
      // The app caught up, or nothing came: watch the file again.
      if (!step.appBehind) setWatch(Watch::kFile);
    } else if (wake.readable && appCalled && (!step.produced || step.appBehind)) {
      // Woken for a packet the app had already taken, or for one the busy app will read itself
      // once it has drained the ring: the app is reading the queue itself. (An app that waits on
      // the read event drains the ring first, so the driver keeps watching for it.)
      setWatch(Watch::kAppReading);
    } else if (behindWakeUps >= kBehindWakeUps) {
      // Publishing behind packets the app, busy and not calling, has yet to get to.
      setWatch(Watch::kAppBehind);
      behindWakeUps = 0;
    }
  }
  // As wintun.sys does when it unregisters: media disconnected, the app's receive ring dead,
  // the reader woken.
  setTunCarrier(session.tunFd, false);
  producer.stop();
}

}  // namespace wintun_emu
