#include "driver_placement.h"

namespace wintun_emu {

void DriverPlacement::adopt(pid_t thread) { thread_ = thread; }

void DriverPlacement::appReadQueue(int cpu) {
  if (cpu < 0 || cpu != lastAppCpu_) {
    // Another app thread, on another CPU: the count starts over, and the driver thread is not
    // kept to the CPU the previous one used.
    lastAppCpu_ = cpu;
    appReadsInRow_ = 0;
    if (placedOn_ >= 0) place(-1);
  }
  if (cpu >= 0 && ++appReadsInRow_ >= kAppReadsToFollow) place(cpu);
}

void DriverPlacement::driverPublished() {
  appReadsInRow_ = 0;
  place(-1);
}

void DriverPlacement::place(int cpu) {
  if (thread_ == 0 || refused_ || cpu == placedOn_) return;
  // Kept to one CPU from anywhere: first what "anywhere" is now (the process's CPUs, or whatever
  // was set for the thread since), to return to.
  if (placedOn_ < 0 && sched_getaffinity(thread_, sizeof(allowed_), &allowed_) != 0) {
    refused_ = true;
    return;
  }
  if (cpu >= CPU_SETSIZE || (cpu >= 0 && !CPU_ISSET(cpu, &allowed_))) {
    return;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  if (cpu >= 0) CPU_SET(cpu, &one);
  if (sched_setaffinity(thread_, sizeof(cpu_set_t), cpu >= 0 ? &one : &allowed_) == 0) {
    placedOn_ = cpu;
    return;
  }
  refused_ = true;
  if (cpu < 0) {
    // The CPUs allowed changed meanwhile (a cpuset): every CPU, which the kernel narrows to them.
    cpu_set_t every;
    CPU_ZERO(&every);
    for (int each = 0; each < CPU_SETSIZE; ++each) CPU_SET(each, &every);
    if (sched_setaffinity(thread_, sizeof(cpu_set_t), &every) == 0) placedOn_ = -1;
  }
}

}  // namespace wintun_emu
