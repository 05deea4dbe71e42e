// Counts of the native resources this process holds open right now: adapter handles, sessions,
// receive threads and TAP devices. Tests read them (liveResources()) to prove that closing leaves nothing behind,
// which the AddressSanitizer run cannot show with leak detection off (see scripts/run-asan-tests.sh).
#pragma once

#include <napi.h>

#include <atomic>

namespace magma::wintun {

struct LiveResources {
  static std::atomic<int> adapters;
  static std::atomic<int> sessions;
  static std::atomic<int> receive_threads;
  static std::atomic<int> tap_devices;  // NativeTapDevice objects not yet closed
};

// liveResources(): { adapters, sessions, receiveThreads, tapDevices }
void RegisterLiveResources(Napi::Env env, Napi::Object exports);

}  // namespace magma::wintun
