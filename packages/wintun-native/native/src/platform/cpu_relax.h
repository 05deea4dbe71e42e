// A hint to the CPU inside a polling loop (the receive thread's and the JavaScript thread's spin
// on an empty ring): it lets a sibling hyperthread run and saves power while the loop waits.
#pragma once

#include <thread>

namespace magma::wintun {

inline void CpuRelax() {
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

}  // namespace magma::wintun
