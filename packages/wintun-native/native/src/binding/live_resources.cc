#include "live_resources.h"

namespace magma::wintun {

std::atomic<int> LiveResources::adapters{0};
std::atomic<int> LiveResources::sessions{0};
std::atomic<int> LiveResources::receive_threads{0};
std::atomic<int> LiveResources::tap_devices{0};

namespace {

Napi::Value Read(const Napi::CallbackInfo& info) {
  Napi::Object counts = Napi::Object::New(info.Env());
  counts.Set("adapters", LiveResources::adapters.load());
  counts.Set("sessions", LiveResources::sessions.load());
  counts.Set("receiveThreads", LiveResources::receive_threads.load());
  counts.Set("tapDevices", LiveResources::tap_devices.load());
  return counts;
}

}  // namespace

void RegisterLiveResources(Napi::Env env, Napi::Object exports) {
  exports.Set("liveResources", Napi::Function::New(env, Read, "liveResources"));
}

}  // namespace magma::wintun
