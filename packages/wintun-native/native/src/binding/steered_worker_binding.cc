#include "steered_worker_binding.h"

#include <mutex>

namespace magma::wintun {

// The receive thread's way into one worker's event loop. Calls go through the thread-safe function
// only while it exists: its finalizer (release, or the worker's environment ending) and close()
// forget it under the same lock the receive thread calls it under.
class ThreadSafeWorkerWaker : public WorkerWaker {
 public:
  ThreadSafeWorkerWaker(std::weak_ptr<WorkerSteering> steering, uint32_t worker)
      : steering_(std::move(steering)), worker_(worker) {}

  void Wake() override {
    std::lock_guard<std::mutex> guard(lock_);
    // Non-blocking on an unbounded queue: it only fails once the environment is closing.
    if (function_ != nullptr) napi_call_threadsafe_function(function_, nullptr, napi_tsfn_nonblocking);
  }

  void Attach(napi_threadsafe_function function) {
    std::lock_guard<std::mutex> guard(lock_);
    function_ = function;
  }

  // Returns the function if it was still attached, for the caller to release.
  napi_threadsafe_function Detach() {
    std::lock_guard<std::mutex> guard(lock_);
    napi_threadsafe_function function = function_;
    function_ = nullptr;
    return function;
  }

  void LeaveSteering() {
    if (auto steering = steering_.lock()) steering->ClearWaker(worker_, this);
  }

 private:
  std::mutex lock_;
  napi_threadsafe_function function_ = nullptr;
  const std::weak_ptr<WorkerSteering> steering_;
  const uint32_t worker_;
};

namespace {

// Runs on the worker's thread once the function is released or its environment ends.
void FinalizeWaker(napi_env /*env*/, void* data, void* /*hint*/) {
  auto* holder = static_cast<std::shared_ptr<ThreadSafeWorkerWaker>*>(data);
  (*holder)->Detach();
  (*holder)->LeaveSteering();
  delete holder;
}

}  // namespace

void SteeredWorkerBinding::Register(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSteeredWorker", DefineClass(env, "NativeSteeredWorker",
                                                 {InstanceMethod<&SteeredWorkerBinding::Close>("close"),
                                                  InstanceMethod<&SteeredWorkerBinding::Pull>("pull")}));
}

SteeredWorkerBinding::SteeredWorkerBinding(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<SteeredWorkerBinding>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsFunction()) {
    throw Napi::TypeError::New(env, "new NativeSteeredWorker(steeringId, worker, onPackets: () => void)");
  }
  std::shared_ptr<WorkerSteering> steering = SteeringRegistry::Instance().Find(info[0].As<Napi::Number>().Uint32Value());
  if (steering == nullptr) throw Napi::Error::New(env, "steering-closed");
  const double worker = info[1].As<Napi::Number>().DoubleValue();
  if (!(worker >= 0 && worker < steering->workers()) || worker != static_cast<uint32_t>(worker)) {
    throw Napi::RangeError::New(env, "worker out of range");
  }
  auto waker = std::make_shared<ThreadSafeWorkerWaker>(steering, static_cast<uint32_t>(worker));
  auto* holder = new std::shared_ptr<ThreadSafeWorkerWaker>(waker);
  napi_threadsafe_function function = nullptr;
  napi_status status = napi_create_threadsafe_function(
      env, info[2], nullptr, Napi::String::New(env, "magma-worker-packets"), 0, 1, holder, FinalizeWaker, nullptr,
      nullptr, &function);
  if (status != napi_ok) {
    delete holder;
    throw Napi::Error::New(env, "cannot create the worker's wake-up function");
  }
  // A worker that waits for packets keeps running because of its port, not because of this.
  napi_unref_threadsafe_function(env, function);
  waker->Attach(function);
  waker_ = waker;
  steering->SetWaker(static_cast<uint32_t>(worker), waker);
  steering_ = std::move(steering);
}

SteeredWorkerBinding::~SteeredWorkerBinding() { Release(); }

void SteeredWorkerBinding::Release() {
  if (waker_ == nullptr) return;
  waker_->LeaveSteering();
  // Detached first, so that no wake-up is under way when it is released; the finalizer then
  // finds it detached. After the environment ended, the finalizer already ran and there is
  // nothing to release.
  napi_threadsafe_function function = waker_->Detach();
  if (function != nullptr) napi_release_threadsafe_function(function, napi_tsfn_release);
  waker_.reset();
  steering_.reset();
}

Napi::Value SteeredWorkerBinding::Pull(const Napi::CallbackInfo& info) {
  if (steering_ == nullptr) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), steering_->Pull());
}

Napi::Value SteeredWorkerBinding::Close(const Napi::CallbackInfo& info) {
  Release();
  return info.Env().Undefined();
}

}  // namespace magma::wintun
