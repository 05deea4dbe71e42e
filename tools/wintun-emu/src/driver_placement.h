// Where the emulated driver's kernel -> app thread runs (driver_to_app.cc).
//
// When the sending stack has queued a packet, wintun.sys has nothing left to do: it published the
// packet in the sender's own send. The driver thread watches the TUN file instead, so every packet
// wakes it, and the scheduler runs it where the wake-up came from, on the sender's CPU, once the
// sender sleeps. For a packet the app reads from the kernel queue itself, that is 2 to 3 us of
// work wintun.sys never does, which keeps the sender's CPU from going idle: a reply that arrives
// meanwhile wakes the sender without the wake-up of an idle CPU (10 to 20 us on our virtual
// machines). One packet in flight measured a 6.6 us round trip over the emulator for an app that
// answers within those microseconds, against 17 us for a reader of the TUN file without such a
// thread. So while the app reads the kernel queue itself, the driver thread runs on the app's
// CPU, where wintun charges the cost of such a packet too (to the app's WintunReceivePacket), and
// where its wake-ups do not preempt the app (driver_to_app.cc, WakeUpPolicy). As soon as the
// thread publishes a batch itself (the app waits, or is busy elsewhere) it may run anywhere
// again, so packets for a waiting app do not wait for the app's CPU.
//
// Under load both publish by turns, and the driver thread's batches, published on another CPU
// while the app works, are what wintun.sys does in the senders' context. So the thread follows
// the app only after kAppReadsToFollow reads in a row by one app thread with none of its own
// between: measured at 256 packets in flight, following after 2 moved the thread 3,800 times a
// second and cost the reflectors over the emulator 5% of their throughput; after 32, a few
// times, and nothing measurable.
#pragma once

#include <sched.h>
#include <sys/types.h>

#include <cstdint>

namespace wintun_emu {

constexpr uint32_t kAppReadsToFollow = 32;

// Not synchronised: the receive ring's producer calls it under its lock.
class DriverPlacement {
 public:
  // From the driver thread as it starts: the thread to place (its thread id; pthread's affinity
  // calls would need glibc 2.34, above the shipped library's 2.28). Until then nothing is placed.
  void adopt(pid_t thread);
  // The app read packets from the kernel queue itself, on `cpu` (sched_getcpu, -1 if unknown).
  // kAppReadsToFollow of them in a row from one CPU keep the driver thread there; app threads
  // reading on different CPUs leave it anywhere rather than moving it back and forth.
  void appReadQueue(int cpu);
  // The driver thread published packets itself: it may run anywhere.
  void driverPublished();

 private:
  void place(int cpu);

  pid_t thread_ = 0;
  bool refused_ = false;   // the system refused a change: no more tries
  int placedOn_ = -1;      // the one CPU the thread is kept to, or -1 (anywhere)
  int lastAppCpu_ = -1;    // where the app last read the kernel queue itself
  uint32_t appReadsInRow_ = 0;  // by the app on lastAppCpu_, with no publish by the driver between
  cpu_set_t allowed_{};    // the thread's CPUs when it last ran anywhere
};

}  // namespace wintun_emu
