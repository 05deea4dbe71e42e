// JavaScript class `NativeSession`: one packet ring (a wintun session, or a TAP-Windows device's
// overlapped I/O: session/packet_ring.h), its receive thread and its send path.
//
//   adapter.startSession(capacity: number, slabs: ArrayBuffer[], slotTable: Int32Array,
//                        deliveries: Int32Array, refill: Int32Array,
//                        config: { maxBatch, batchBuffers, spinMicroseconds, smallSlotSize },
//                        onMessage: (kind: 0 | 1 | 2, value: number) => number): NativeSession
//
// slotTable holds (slabIndex, byteOffset, capacity) per slot id. onMessage runs on the JavaScript
// thread: kind 0 = batch `value` is ready in `deliveries`; 1 = the thread has no free slot; 2 = the
// session ended underneath with Win32 code `value`; 3 = JavaScript holds the ring and has spent its
// budget or run out of slots: call goOnReceiving() on the next turn of the event loop (only where
// the event loop cannot watch the read event: Windows; on Linux the binding lets the loop turn
// through the read event itself, allocating nothing); 4 = the
// driver stopped consuming the send ring (Allocate failed with `value`) while the receive ring
// goes on: the session is over. For kinds 0 and 1 it returns how many slot ids it wrote into
// `refill` for the thread to use.
//
//   provideSlots(count): number            ids from refill[0..count), returns how many were taken
//   sendSlots(pairs: Int32Array, count): number      (slotId, length) pairs; returns packets sent
//   sendBuffers(buffers: Uint8Array[], count): number
//   readStatistics(out: Float64Array): void
//   setInlineReceiveBudget(microseconds): void      0: the thread never lends JavaScript the ring;
//        otherwise, after a batch that came with the ring, JavaScript goes on receiving from it
//        on its own thread until it is empty, letting its event loop turn every this long
//        (see receive_pump.h). Where the event loop can wait on the read event (Linux), a
//        JavaScript thread that finds the ring empty keeps it and receives again when the driver
//        signals, until close(), a budget of 0, or a fatal ring error (read_event_watch.h)
//   goOnReceiving(): void     after message 3: receive on from the ring JavaScript kept
//   takeHeldSlots(out: Int32Array): number           after close: slot ids the thread still held
//   shareSendRing(): number   opens the send ring to worker threads (NativeSessionSender); its id
//   steerToWorkers(key: Uint8Array(16), workers): number    makes the session's worker steering
//        (session/worker_steering.h); returns the id a worker's NativeSteeredWorker takes. Once.
//   startSteering(): void    from now on each received packet goes to the worker that owns its
//        flow, not to onMessage (give the workers their queues first)
//   setWorkerQueues(worker, handOff: Uint8Array | null, handOffCapacity, returns: Uint8Array | null,
//        returnsCapacity, countLost: boolean): number    the worker's SharedSlotQueues (over
//        SharedArrayBuffers; null: none); takes back every slot its previous queues held, into the
//        thread's stock, and returns how many (counted as lost with countLost)
//   steerBatch(batch): number   a batch delivered to onMessage before steerToWorkers: hands its
//        packets to their workers as the thread would; returns how many were handed out
//   readSteeringStatistics(out: Float64Array): number    per worker (handedOff, queueFull, lost)
//   reclaimWorkerSlots(out: Int32Array): number   after close and once the workers stopped: the
//        slots still handed out, for JavaScript to return to the pool
//   close(): void    stop flag, wake, join, end the ring (WintunEndSession); idempotent
//   ref(): void / unref(): void                       whether the session keeps the event loop alive
#pragma once

#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "../platform/read_event_watch.h"
#include "../session/packet_ring.h"
#include "../session/receive_pump.h"
#include "../session/session_statistics.h"
#include "../session/worker_steering.h"
#include "shared_send_ring.h"

namespace magma::wintun {

class LentRing;

class SessionBinding : public Napi::ObjectWrap<SessionBinding> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  // Checks startSession's arguments, then `start_ring` opens the ring (throwing a Napi error when
  // it cannot), and the NativeSession takes it.
  static Napi::Value Start(const Napi::CallbackInfo& info,
                           const std::function<std::shared_ptr<PacketRing>()>& start_ring);
  explicit SessionBinding(const Napi::CallbackInfo& info);
  ~SessionBinding() override;

 private:
  static void CallJs(Napi::Env env, Napi::Function callback, SessionBinding* self, void* data);
  static bool Notify(void* context, uint32_t message);
  void Deliver(Napi::Env env, Napi::Function callback, uint32_t kind, uint32_t value);
  // How ReceiveWhileHoldingRing left the ring.
  enum class Held {
    kDone,         // given back, or kept for the event loop (closed, handler gone, loop turning)
    kBudgetSpent,  // `own_scope` only: still held, its budget spent
    kEmpty,        // `own_scope` only: still held, empty after the spin
  };
  // `woken`: the read event woke this thread's event loop (OnReadEvent), counted in the statistics.
  // `own_scope`: the caller opened the callback scope this runs in and can close it (OnReadEvent).
  // Then a spent budget or an empty ring is left to the caller, which closes the scope first (so
  // process.nextTick callbacks and microtasks run, as after a turn) and goes on, sleeps, or lets
  // the loop turn, whichever the loop's state asks for.
  Held ReceiveWhileHoldingRing(Napi::Env env, Napi::Function callback, LentRing& ring, bool refilled_after_turn,
                               bool woken, bool own_scope = false);
  bool WaitForReadEvent(LentRing& ring);
  void StopWaitingForReadEvent();
  static void OnReadEvent(void* context, bool failed);
  static void CleanupAtExit(void* self);
  // How OnReadEvent came to receive: the read event woke it (a packet for an empty ring kept), the
  // loop turned after TurnThroughReadEvent, or it goes on after a budget that ended with the loop
  // having nothing due.
  enum class Resume { kWoken, kAfterTurn, kGoingOn };
  Held ReceiveAfterWake(Napi::Env env, LentRing& ring, Resume resume);
  bool TurnThroughReadEvent(LentRing& ring);
  // A message of ours through the thread-safe function, beside the pump's (receive_pump.h).
  static constexpr uint32_t kSendRingEnded = ReceivePump::kEnded + 1;
  void SendRingEnded(uint32_t code);
  void EndAfterSendRingEnded(Napi::Env env, Napi::Function callback);
  using ThreadSafeCallback = Napi::TypedThreadSafeFunction<SessionBinding, void, CallJs>;

  Napi::Value ProvideSlots(const Napi::CallbackInfo& info);
  Napi::Value SendSlots(const Napi::CallbackInfo& info);
  Napi::Value SendBuffers(const Napi::CallbackInfo& info);
  Napi::Value ReadStatistics(const Napi::CallbackInfo& info);
  Napi::Value SetInlineReceiveBudget(const Napi::CallbackInfo& info);
  Napi::Value GoOnReceiving(const Napi::CallbackInfo& info);
  Napi::Value TakeHeldSlots(const Napi::CallbackInfo& info);
  Napi::Value TakeInFlightBatches(const Napi::CallbackInfo& info);
  Napi::Value ShareSendRing(const Napi::CallbackInfo& info);
  Napi::Value SteerToWorkers(const Napi::CallbackInfo& info);
  Napi::Value StartSteering(const Napi::CallbackInfo& info);
  void KeepSteeredSlots(const std::vector<int32_t>& slots);
  Napi::Value SetWorkerQueues(const Napi::CallbackInfo& info);
  Napi::Value SteerBatch(const Napi::CallbackInfo& info);
  Napi::Value ReadSteeringStatistics(const Napi::CallbackInfo& info);
  Napi::Value ReclaimWorkerSlots(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  void Shutdown();
  uint32_t ProvideFromRefill(uint32_t count);

  std::shared_ptr<PacketRing> ring_;  // null once ended
  napi_env env_ = nullptr;
  bool closed_ = false;
  SessionStatistics stats_;
  std::vector<SlotMemory> slots_;
  std::vector<Napi::Reference<Napi::Value>> slabs_;  // keep slot memory alive
  Napi::Reference<Napi::Int32Array> deliveries_;
  Napi::Reference<Napi::Int32Array> refill_;
  ThreadSafeCallback to_javascript_;
  Napi::FunctionReference on_message_;  // for goOnReceiving, which runs outside the thread-safe call
  bool holding_ring_ = false;           // JavaScript keeps a lent ring until goOnReceiving
  // Linux: the event loop's watch on the read event, and whether JavaScript keeps an empty ring
  // and waits for it (then the watch is started and the thread waits in AwaitRing).
  ReadEventWatch* watch_ = nullptr;
  bool watching_ = false;
  // The watch runs for a turn of the event loop (TurnThroughReadEvent), not for an empty ring.
  bool turn_pending_ = false;
  // The async context read-event wake-ups call JavaScript in (microtasks run after each, as after
  // any callback from the event loop).
  std::unique_ptr<Napi::AsyncContext> async_context_;
  // The resource each of those callback scopes names: made once, since a new object per wake-up
  // (what Napi::CallbackScope(env, context) does) would put garbage on the heap for every batch.
  Napi::ObjectReference callback_resource_;
  bool has_javascript_callback_ = false;
  // A send found the send ring over; the session ends next turn. Set from worker threads too.
  std::atomic<uint32_t> send_ring_end_code_{0};
  // The send ring opened to worker threads (shareSendRing), and its registry id.
  std::shared_ptr<SharedSendRing> shared_send_ring_;
  uint32_t shared_send_ring_id_ = 0;
  // Worker steering (steerToWorkers), its registry id, and each worker's queue memory (hand-off
  // and returns), kept alive while the steering may touch it.
  std::shared_ptr<WorkerSteering> steering_;
  uint32_t steering_id_ = 0;
  std::vector<Napi::Reference<Napi::Value>> worker_queue_memory_;
  std::vector<WorkerSteeringCounters> steering_counters_;
  // Declared after the steering: destroyed first, as the pump's thread may use it until joined.
  std::unique_ptr<ReceivePump> pump_;
};

}  // namespace magma::wintun
