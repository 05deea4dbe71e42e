// JavaScript class `NativeSteeredWorker`: a port worker's side of its session's worker steering
// (session/worker_steering.h). It lets the session's receive thread wake this worker's event loop
// when it has handed packets to a worker that sleeps on its queue: a thread-safe function into the
// worker's environment, called only then, once per batch at most.
//
//   new NativeSteeredWorker(steeringId: number, worker: number, onPackets: () => void)
//        steeringId from the session's steerToWorkers(); throws Error "steering-closed" when that
//        session has closed. onPackets runs on this thread each time the receive thread wakes it.
//        Does not keep the event loop alive.
//   pull(): number    this worker's queue ran empty: while the session lends its ring to the
//        workers, receives the next batch from it and steers it (to this worker's queue and
//        others'), on this thread. Returns the packets steered, or -1 when the ring is not lent
//        (the receive thread then steers and wakes this worker if it sleeps). After close: -1.
//   close(): void     no more wake-ups; idempotent. The environment's end does it too.
#pragma once

#include <napi.h>

#include <memory>

#include "../session/worker_steering.h"
#include "process_registry.h"

namespace magma::wintun {

using SteeringRegistry = ProcessRegistry<WorkerSteering>;

class ThreadSafeWorkerWaker;

class SteeredWorkerBinding : public Napi::ObjectWrap<SteeredWorkerBinding> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit SteeredWorkerBinding(const Napi::CallbackInfo& info);
  ~SteeredWorkerBinding() override;

 private:
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Pull(const Napi::CallbackInfo& info);
  void Release();

  std::shared_ptr<ThreadSafeWorkerWaker> waker_;
  std::shared_ptr<WorkerSteering> steering_;
};

}  // namespace magma::wintun
