#include "session_binding.h"

#include <chrono>
#include <cstring>
#include <exception>
#include <string>

#include "../platform/cpu_relax.h"
#include "../platform/last_error.h"
#include "../session/send_path.h"
#include "addon_data.h"
#include "../flow/flow_hash.h"
#include "live_resources.h"
#include "slot_pairs_argument.h"
#include "slab_memory.h"
#include "steered_worker_binding.h"
#include "win32_error.h"

namespace magma::wintun {
namespace {

struct SessionInit {
  std::shared_ptr<PacketRing> ring;
  const Napi::CallbackInfo* arguments;
};

uint32_t ConfigValue(Napi::Object config, const char* name, uint32_t low, uint32_t high) {
  Napi::Value value = config.Get(name);
  if (!value.IsNumber()) throw Napi::TypeError::New(config.Env(), std::string("config.") + name + " must be a number");
  double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= low && number <= high) || number != static_cast<uint32_t>(number)) {
    throw Napi::RangeError::New(config.Env(), std::string("config.") + name + " out of range");
  }
  return static_cast<uint32_t>(number);
}

Napi::Int32Array Int32ArrayArgument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsTypedArray() || info[index].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be an Int32Array");
  }
  return info[index].As<Napi::Int32Array>();
}

uint32_t CountArgument(const Napi::CallbackInfo& info, size_t index, size_t limit, const char* name = "count") {
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  double count = info[index].As<Napi::Number>().DoubleValue();
  if (!(count >= 0 && count <= static_cast<double>(limit)) || count != static_cast<uint32_t>(count)) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " out of range");
  }
  return static_cast<uint32_t>(count);
}

}  // namespace

void SessionBinding::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor =
      DefineClass(env, "NativeSession",
                  {InstanceMethod<&SessionBinding::ProvideSlots>("provideSlots"),
                   InstanceMethod<&SessionBinding::SendSlots>("sendSlots"),
                   InstanceMethod<&SessionBinding::SendBuffers>("sendBuffers"),
                   InstanceMethod<&SessionBinding::ReadStatistics>("readStatistics"),
                   InstanceMethod<&SessionBinding::SetInlineReceiveBudget>("setInlineReceiveBudget"),
                   InstanceMethod<&SessionBinding::GoOnReceiving>("goOnReceiving"),
                   InstanceMethod<&SessionBinding::TakeHeldSlots>("takeHeldSlots"),
                   InstanceMethod<&SessionBinding::TakeInFlightBatches>("takeInFlightBatches"),
                   InstanceMethod<&SessionBinding::ShareSendRing>("shareSendRing"),
                   InstanceMethod<&SessionBinding::SteerToWorkers>("steerToWorkers"),
                   InstanceMethod<&SessionBinding::StartSteering>("startSteering"),
                   InstanceMethod<&SessionBinding::SetWorkerQueues>("setWorkerQueues"),
                   InstanceMethod<&SessionBinding::SteerBatch>("steerBatch"),
                   InstanceMethod<&SessionBinding::ReadSteeringStatistics>("readSteeringStatistics"),
                   InstanceMethod<&SessionBinding::ReclaimWorkerSlots>("reclaimWorkerSlots"),
                   InstanceMethod<&SessionBinding::Close>("close"), InstanceMethod<&SessionBinding::Ref>("ref"),
                   InstanceMethod<&SessionBinding::Unref>("unref")});
  env.GetInstanceData<AddonData>()->session_constructor = Napi::Persistent(constructor);
  exports.Set("NativeSession", constructor);
}

Napi::Value SessionBinding::Start(const Napi::CallbackInfo& info,
                                  const std::function<std::shared_ptr<PacketRing>()>& start_ring) {
  Napi::Env env = info.Env();
  // Every argument is checked before the session exists, so a bad one leaves nothing behind.
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "capacity must be a number");
  if (!info[1].IsArray()) throw Napi::TypeError::New(env, "slabs must be an array of ArrayBuffers or Uint8Arrays");
  Int32ArrayArgument(info, 2, "slotTable");
  Int32ArrayArgument(info, 3, "deliveries");
  Int32ArrayArgument(info, 4, "refill");
  if (!info[5].IsObject()) throw Napi::TypeError::New(env, "config must be an object");
  if (!info[6].IsFunction()) throw Napi::TypeError::New(env, "onMessage must be a function");

  SessionInit init{start_ring(), &info};
  try {
    return env.GetInstanceData<AddonData>()->session_constructor.New({Napi::External<SessionInit>::New(env, &init)});
  } catch (...) {
    // The constructor ends the ring itself once it owns it; before that it is ours to end.
    if (init.ring != nullptr) init.ring->End();
    throw;
  }
}

SessionBinding::SessionBinding(const Napi::CallbackInfo& construct) : Napi::ObjectWrap<SessionBinding>(construct) {
  Napi::Env env = construct.Env();
  if (construct.Length() != 1 || !construct[0].IsExternal()) {
    throw Napi::TypeError::New(env, "NativeSession is created by adapter.startSession()");
  }
  SessionInit* init = construct[0].As<Napi::External<SessionInit>>().Data();
  const Napi::CallbackInfo& info = *init->arguments;
  ring_ = std::move(init->ring);  // ours from here on
  ring_->CountInto(stats_);
  LiveResources::sessions.fetch_add(1);
  env_ = env;
  try {
    Napi::Array slabs = info[1].As<Napi::Array>();
    Napi::Int32Array table = info[2].As<Napi::Int32Array>();
    Napi::Int32Array deliveries = info[3].As<Napi::Int32Array>();
    Napi::Int32Array refill = info[4].As<Napi::Int32Array>();
    Napi::Object config_object = info[5].As<Napi::Object>();

    ReceivePumpConfig config;
    config.max_batch = ConfigValue(config_object, "maxBatch", 1, 4096);
    config.batch_buffers = ConfigValue(config_object, "batchBuffers", 1, 64);
    config.spin_microseconds = ConfigValue(config_object, "spinMicroseconds", 0, 1000000);
    config.small_slot_size = ConfigValue(config_object, "smallSlotSize", 1, 1u << 30);

    std::vector<uint8_t*> slab_data;
    std::vector<size_t> slab_length;
    for (uint32_t i = 0; i < slabs.Length(); ++i) {
      Napi::Value slab = slabs.Get(i);
      const SlabMemory memory = SlabMemoryOf(env, slab);
      slab_data.push_back(memory.data);
      slab_length.push_back(memory.length);
      slabs_.push_back(Napi::Persistent(slab));
    }
    if (table.ElementLength() % 3 != 0) throw Napi::RangeError::New(env, "slotTable holds (slab, offset, capacity) triples");
    const int32_t* entries = table.Data();
    for (size_t id = 0; id < table.ElementLength() / 3; ++id) {
      int32_t slab = entries[3 * id], offset = entries[3 * id + 1], capacity = entries[3 * id + 2];
      if (slab < 0 || static_cast<size_t>(slab) >= slab_data.size() || offset < 0 || capacity <= 0 ||
          static_cast<size_t>(offset) + static_cast<size_t>(capacity) > slab_length[slab]) {
        throw Napi::RangeError::New(env, "slot " + std::to_string(id) + " lies outside its slab");
      }
      // The receive thread picks a slot by size class alone: a small slot must hold any packet up
      // to smallSlotSize, and a large one any packet wintun can deliver.
      if (static_cast<uint32_t>(capacity) != config.small_slot_size &&
          static_cast<uint32_t>(capacity) < WINTUN_MAX_IP_PACKET_SIZE) {
        throw Napi::RangeError::New(env, "slot " + std::to_string(id) +
                                             " holds neither smallSlotSize bytes nor a 65535-byte packet");
      }
      slots_.push_back(SlotMemory{slab_data[slab] + offset, static_cast<uint32_t>(capacity)});
    }
    if (deliveries.ElementLength() < static_cast<size_t>(config.batch_buffers) * (1 + 2 * config.max_batch)) {
      throw Napi::RangeError::New(env, "deliveries is too small for batchBuffers * (1 + 2 * maxBatch)");
    }
    deliveries_ = Napi::Persistent(deliveries);
    refill_ = Napi::Persistent(refill);

    on_message_ = Napi::Persistent(info[6].As<Napi::Function>());
    to_javascript_ = ThreadSafeCallback::New(env, info[6].As<Napi::Function>(), "magma-wintun-receive", 0, 1, this);
    has_javascript_callback_ = true;
    pump_ = std::make_unique<ReceivePump>(ring_, slots_, deliveries.Data(), config, stats_, Notify, this);
    if (!pump_->Start()) throw Win32Error(env, LastWin32Error(), "CreateEvent/eventfd", "cannot create the wake event");
    // Without it (Windows, or a loop that refused the event) an empty ring goes back to the thread.
    HANDLE loop_event = ring_->loop_read_event();
    if (loop_event != nullptr) watch_ = ReadEventWatch::Open(env, loop_event, OnReadEvent, this);
    if (watch_ != nullptr) {
      async_context_ = std::make_unique<Napi::AsyncContext>(env, "magma-wintun-receive");
      callback_resource_ = Napi::Persistent(Napi::Object::New(env));
    }
  } catch (...) {
    Shutdown();
    throw;
  }
  napi_add_env_cleanup_hook(env_, CleanupAtExit, this);
}

SessionBinding::~SessionBinding() { Shutdown(); }

void SessionBinding::CleanupAtExit(void* self) { static_cast<SessionBinding*>(self)->Shutdown(); }

// The contract's order: stop flag, wake the waiting thread, join it, end the session. Packets
// already handed to JavaScript live in pool memory, so nothing lent out points into the ring.
void SessionBinding::Shutdown() {
  if (closed_) return;
  // First: waits out a batch another thread is sending and refuses every later one, so no thread
  // is inside a call on the session when it ends (wintun-api.md §3.7).
  if (shared_send_ring_ != nullptr) {
    SharedSendRings::Instance().Unregister(shared_send_ring_id_);
    std::unique_lock<std::shared_mutex> guard(shared_send_ring_->lock);
    shared_send_ring_->open = false;
  }
  closed_ = true;
  // No worker attaches any more; the steering itself stays until its slots are reclaimed.
  if (steering_ != nullptr) {
    SteeringRegistry::Instance().Unregister(steering_id_);
    // Waits out a worker's pull under way: after this no worker touches the ring.
    steering_->SetPuller(nullptr);
  }
  // Before the thread is stopped and the session (and its read event) ended: no wake-up after this.
  StopWaitingForReadEvent();
  if (watch_ != nullptr) {
    watch_->Close();
    watch_ = nullptr;
  }
  async_context_.reset();
  callback_resource_.Reset();
  if (pump_) pump_->Stop();
  if (ring_ != nullptr) {
    ring_->End();
    ring_ = nullptr;
    LiveResources::sessions.fetch_sub(1);
  }
  if (has_javascript_callback_) to_javascript_.Release();
  on_message_.Reset();
  napi_remove_env_cleanup_hook(env_, CleanupAtExit, this);
}

bool SessionBinding::Notify(void* context, uint32_t message) {
  auto* self = static_cast<SessionBinding*>(context);
  void* data = reinterpret_cast<void*>(static_cast<uintptr_t>(message));
  return self->to_javascript_.NonBlockingCall(data) == napi_ok;
}

// A send found the send ring over. Ending the session from inside that send would run the
// application's end handlers in the middle of its own call: post it, and end it on the next turn.
// From the JavaScript thread, or from another thread's send under the shared ring's lock (which
// Shutdown takes before it touches closed_ or releases the thread-safe function).
void SessionBinding::SendRingEnded(uint32_t code) {
  uint32_t none = 0;
  if (closed_ || !send_ring_end_code_.compare_exchange_strong(none, code)) return;
  void* data = reinterpret_cast<void*>(static_cast<uintptr_t>(kSendRingEnded));
  to_javascript_.NonBlockingCall(data);
}

// Allocate fails with ERROR_HANDLE_EOF both when the adapter is going away and when the driver
// found the send ring corrupt and stopped consuming it (wintun-api.md §3.5, §3.6). The receive
// ring tells them apart: it ends too in the first case, and goes on in the second. Once the thread
// is joined the ring is ours to read. What is still in it is lost with the session: counted.
void SessionBinding::EndAfterSendRingEnded(Napi::Env env, Napi::Function callback) {
  if (closed_) return;
  StopWaitingForReadEvent();
  pump_->Stop();
  uint32_t receive_code = WINTUN_ERROR_NO_MORE_ITEMS;
  for (;;) {
    DWORD size = 0;
    BYTE* packet = ring_->ReceivePacket(&size);
    if (packet == nullptr) {
      receive_code = LastWin32Error();
      break;
    }
    ring_->ReleaseReceivePacket(packet);
    stats_.rx_ring_packets.fetch_add(1, std::memory_order_relaxed);
    stats_.drop_left_in_ring.fetch_add(1, std::memory_order_relaxed);
  }
  if (receive_code == WINTUN_ERROR_HANDLE_EOF) {
    callback.Call({Napi::Number::New(env, 2), Napi::Number::New(env, receive_code)});
  } else {
    callback.Call({Napi::Number::New(env, 4), Napi::Number::New(env, send_ring_end_code_.load())});
  }
}

uint32_t SessionBinding::ProvideFromRefill(uint32_t count) {
  if (closed_ || count == 0) return 0;
  Napi::Int32Array refill = refill_.Value();
  if (count > refill.ElementLength()) count = static_cast<uint32_t>(refill.ElementLength());
  return pump_->ProvideSlots(refill.Data(), count);
}

// Gives a lent ring back to the receive thread on every way out of a delivery, exceptions included,
// unless the JavaScript thread keeps it for its next turn.
class LentRing {
 public:
  explicit LentRing(ReceivePump* pump) : pump_(pump) {}
  ~LentRing() {
    if (pump_ != nullptr) pump_->ReturnRing();
  }
  LentRing(const LentRing&) = delete;
  LentRing& operator=(const LentRing&) = delete;
  bool held() const { return pump_ != nullptr; }
  void Keep() { pump_ = nullptr; }

 private:
  ReceivePump* pump_;
};

void SessionBinding::CallJs(Napi::Env env, Napi::Function callback, SessionBinding* self, void* data) {
  if (env == nullptr) return;  // the environment is going away; the pool goes with it
  const auto message = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data));
  try {
    if (message == ReceivePump::kEnded) {
      callback.Call({Napi::Number::New(env, 2), Napi::Number::New(env, self->pump_->end_code())});
      return;
    }
    if (message == ReceivePump::kRefillRequest) {
      self->Deliver(env, callback, 1, message);
      return;
    }
    if (message == kSendRingEnded) {
      self->EndAfterSendRingEnded(env, callback);
      return;
    }
    ReceivePump* pump = self->pump_.get();
    // Asked before the delivery: once the batch completes, its buffer may carry a later batch.
    LentRing ring(pump->LentRingWith(message) ? pump : nullptr);
    self->Deliver(env, callback, 0, message);
    if (ring.held()) self->ReceiveWhileHoldingRing(env, callback, ring, false, false);
  } catch (const Napi::Error& error) {
    // Nothing may leave a Node-API callback as a C++ exception. The error goes to JavaScript as an
    // uncaught exception; while the environment is torn down it cannot, and is dropped
    // (NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS): the batch's packets go with the environment.
    error.ThrowAsJavaScriptException();
  } catch (const std::exception& error) {
    Napi::Error::New(env, error.what()).ThrowAsJavaScriptException();
  }
}

Napi::Value SessionBinding::GoOnReceiving(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Only after a "go on later" message, once: anything else would take a ring the thread holds.
  if (!holding_ring_ || closed_) return env.Undefined();
  holding_ring_ = false;
  LentRing ring(pump_.get());
  Napi::Function callback = on_message_.Value();
  // The application may have disposed packets while the loop turned: take their slots first.
  Deliver(env, callback, 1, ReceivePump::kRefillRequest);
  ReceiveWhileHoldingRing(env, callback, ring, true, false);
  return env.Undefined();
}

// JavaScript kept an empty ring (WaitForReadEvent) and the driver signalled: receive here, as after
// a batch, and keep waiting once the ring is empty again. This is a callback from the event loop
// itself, so it opens the scopes Node opens around any: handles, and a callback scope whose end
// runs microtasks and process.nextTick callbacks.
//
// A turn of the loop costs a poll and, in Node, an object on the heap (its check phase makes one
// for native immediates), so this does without one while the loop has nothing due (no timer
// expired, no immediate, no I/O ready): when the receive budget runs out, the scope is closed,
// which runs the ticks and microtasks the batches queued as a turn would, and receiving goes on in
// a new one; when the ring is still empty after the spin, the thread sleeps here as long again on
// the read event and the loop's poll set together (ReadEventWatch::Sleep), and a packet that comes
// first is received at once.
void SessionBinding::OnReadEvent(void* context, bool failed) {
  auto* self = static_cast<SessionBinding*>(context);
  if (!self->watching_ || self->closed_) return;
  // The ring is this call's now; it goes back to the thread when the call ends unless kept again,
  // and only after the watch has stopped: the thread then takes the read event's signals itself.
  self->watching_ = false;
  Resume resume = self->turn_pending_ ? Resume::kAfterTurn : Resume::kWoken;
  self->turn_pending_ = false;
  LentRing ring(self->pump_.get());
  bool go_on = !failed;
  while (go_on) {
    Napi::Env env(self->env_);
    Napi::HandleScope handles(env);
    napi_callback_scope opened = nullptr;
    // Fails only while the environment is torn down: then the ring goes back to the thread.
    if (napi_open_callback_scope(env, self->callback_resource_.Value(), *self->async_context_, &opened) !=
        napi_ok) {
      break;
    }
    Held held;
    {
      Napi::CallbackScope callback_scope(env, opened);
      held = self->ReceiveAfterWake(env, ring, resume);
    }
    // The ticks may have closed the session, removed the handler, or given the loop work.
    go_on = held != Held::kDone && !self->closed_ && ring.held() && self->pump_->javascript_receive_budget() > 0;
    if (!go_on) break;
    if (held == Held::kBudgetSpent) {
      if (!self->watch_->LoopHasNothingDue()) {
        self->TurnThroughReadEvent(ring);
        break;
      }
      resume = Resume::kGoingOn;
    } else {
      // As long again as the spin: the next packet of a busy flow is seldom further away.
      switch (self->watch_->Sleep(std::chrono::microseconds(self->pump_->spin_microseconds()))) {
        case ReadEventWatch::Slept::kReadable:
          resume = Resume::kWoken;
          break;
        case ReadEventWatch::Slept::kTurn:
          self->WaitForReadEvent(ring);
          go_on = false;
          break;
        case ReadEventWatch::Slept::kTurnSignalled:
          self->TurnThroughReadEvent(ring);
          go_on = false;
          break;
      }
      if (!go_on) break;
    }
    self->stats_.rx_turns_skipped.fetch_add(1, std::memory_order_relaxed);
  }
  // Closed inside: Shutdown already closed the watch.
  if (!self->watching_ && self->watch_ != nullptr) self->watch_->Stop();
}

SessionBinding::Held SessionBinding::ReceiveAfterWake(Napi::Env env, LentRing& ring, Resume resume) {
  try {
    Napi::Function callback = on_message_.Value();
    switch (resume) {
      case Resume::kAfterTurn:
        // As goOnReceiving() does: packets disposed while the loop turned give their slots first.
        Deliver(env, callback, 1, ReceivePump::kRefillRequest);
        return ReceiveWhileHoldingRing(env, callback, ring, true, false, true);
      case Resume::kWoken:
        return ReceiveWhileHoldingRing(env, callback, ring, false, true, true);
      case Resume::kGoingOn:
        return ReceiveWhileHoldingRing(env, callback, ring, false, false, true);
    }
  } catch (const Napi::Error& error) {
    // No JavaScript caller to throw to: an uncaught exception, as from a thread-safe call. While the
    // environment is torn down it cannot be reported, and goes with it.
    if (!error.IsEmpty()) napi_fatal_exception(env, error.Value());
  } catch (const std::exception& error) {
    napi_fatal_exception(env, Napi::Error::New(env, error.what()).Value());
  }
  return Held::kDone;
}

// The ring is empty: keep it and let the event loop wait for the read event, where it can (Linux);
// false leaves the ring to go back to the thread.
bool SessionBinding::WaitForReadEvent(LentRing& ring) {
  if (watch_ == nullptr || closed_ || !watch_->Start()) return false;
  watching_ = true;
  ring.Keep();
  return true;
}

// The budget is spent or slots ran dry: keep the ring and let the event loop turn, through the
// read event signalled by us (read_event_watch.h), where it can (Linux); false where it cannot.
bool SessionBinding::TurnThroughReadEvent(LentRing& ring) {
  if (watch_ == nullptr || closed_ || !watch_->StartSignalled()) return false;
  watching_ = true;
  turn_pending_ = true;
  ring.Keep();
  return true;
}

// A ring kept for the read event goes back to the thread (which then waits on the event itself).
void SessionBinding::StopWaitingForReadEvent() {
  if (!watching_) return;
  watching_ = false;
  turn_pending_ = false;
  watch_->Stop();
  pump_->ReturnRing();
}

// The ring came with a batch: receive here, one crossing per batch, until the ring is empty (or
// the session or the handler is gone), then give the ring back. When the budget is spent, or a
// size class of slots runs dry (the application may dispose packets on a later turn), keep the
// ring and let the event loop turn: where it watches the read event (Linux), by signalling that
// event ourselves, so the loop comes back here after timers and I/O with nothing allocated
// (TurnThroughReadEvent); elsewhere by asking JavaScript to call goOnReceiving() on its next turn
// (setImmediate, one object per turn). Handing the ring to the thread instead would cost two
// thread wake-ups, and a message to ourselves through the thread-safe function would not let the
// loop turn: Node runs every queued call of one in the same pass.
SessionBinding::Held SessionBinding::ReceiveWhileHoldingRing(Napi::Env env, Napi::Function callback,
                                                             LentRing& ring, bool refilled_after_turn, bool woken,
                                                             bool own_scope) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  const auto spin = std::chrono::microseconds(pump_->spin_microseconds());
  Clock::time_point spin_until{};
  for (;;) {
    const uint32_t budget = pump_->javascript_receive_budget();
    if (closed_ || budget == 0) return Held::kDone;
    const int32_t result = pump_->ReceiveOnJavaScriptThread(refilled_after_turn);
    refilled_after_turn = false;
    if (result == ReceivePump::kRingEmpty) {
      // Poll a little before sleeping, as the receive thread does after a busy drain (and
      // wintun's own driver): at one packet in flight the next one is a round trip away, and
      // waking a thread that slept (on a virtual machine, an idle vCPU) takes far longer.
      const Clock::time_point now = Clock::now();
      if (spin.count() > 0 && spin_until == Clock::time_point{}) spin_until = now + spin;
      if (now < spin_until) {
        woken = false;  // whatever comes now, the spin caught it, not a wake-up
        CpuRelax();
        continue;
      }
      if (own_scope) return Held::kEmpty;
      WaitForReadEvent(ring);
      return Held::kDone;
    }
    if (result == ReceivePump::kRingDone) return Held::kDone;
    if (result >= 0) {
      spin_until = Clock::time_point{};
      if (woken) stats_.rx_woken_batches.fetch_add(1, std::memory_order_relaxed);
      Napi::HandleScope scope(env);
      Deliver(env, callback, 0, static_cast<uint32_t>(result));
    }
    if (result == ReceivePump::kNeedSlots || Clock::now() - start >= std::chrono::microseconds(budget)) {
      if (closed_) return Held::kDone;
      // The caller turns the loop or goes on, once its scope has run the ticks (OnReadEvent). A
      // size class that ran dry always turns it: the application may dispose packets there.
      if (own_scope && result != ReceivePump::kNeedSlots) return Held::kBudgetSpent;
      if (TurnThroughReadEvent(ring)) return Held::kDone;
      // Marked before the call, so that a goOnReceiving() made from inside it finds the ring kept.
      ring.Keep();
      holding_ring_ = true;
      try {
        callback.Call({Napi::Number::New(env, 3), Napi::Number::New(env, 0)});
      } catch (...) {
        // Unless a goOnReceiving() inside the call already went on with the ring (and returned it).
        if (holding_ring_) {
          holding_ring_ = false;
          pump_->ReturnRing();
        }
        throw;
      }
      return Held::kDone;
    }
  }
}

// Calls onMessage(kind, value) for a batch (kind 0) or a refill request (kind 1), takes the slots
// it hands back, and returns the batch buffer or answers the request whatever JavaScript did.
void SessionBinding::Deliver(Napi::Env env, Napi::Function callback, uint32_t kind, uint32_t value) {
  uint32_t refilled = 0;
  try {
    Napi::Value result = callback.Call({Napi::Number::New(env, kind), Napi::Number::New(env, value)});
    if (result.IsNumber()) refilled = result.As<Napi::Number>().Uint32Value();
  } catch (...) {
    // Whatever JavaScript did, the thread must get its buffer back or it would wait forever.
    if (kind == 0) pump_->CompleteBatch(value); else pump_->AnswerRefill();
    throw;
  }
  ProvideFromRefill(refilled);
  if (kind == 0) pump_->CompleteBatch(value); else pump_->AnswerRefill();
}

Napi::Value SessionBinding::ProvideSlots(const Napi::CallbackInfo& info) {
  uint32_t count = CountArgument(info, 0, refill_.Value().ElementLength());
  return Napi::Number::New(info.Env(), ProvideFromRefill(count));
}

Napi::Value SessionBinding::SendSlots(const Napi::CallbackInfo& info) {
  const SlotPairsArgument argument = ReadSlotPairsArgument(info);
  if (closed_) {
    stats_.drop_session_ended.fetch_add(argument.count, std::memory_order_relaxed);
    return Napi::Number::New(info.Env(), 0);
  }
  uint32_t ended = 0;
  const uint32_t sent = SendSlotPairs(*ring_, argument.pairs, argument.count, slots_, stats_, ended);
  if (ended != 0) SendRingEnded(ended);
  return Napi::Number::New(info.Env(), sent);
}

Napi::Value SessionBinding::SendBuffers(const Napi::CallbackInfo& info) {
  if (!info[0].IsArray()) throw Napi::TypeError::New(info.Env(), "buffers must be an array of Uint8Arrays");
  Napi::Array buffers = info[0].As<Napi::Array>();
  uint32_t count = CountArgument(info, 1, buffers.Length());
  if (closed_) {
    stats_.drop_session_ended.fetch_add(count, std::memory_order_relaxed);
    return Napi::Number::New(info.Env(), 0);
  }
  uint32_t ended = 0;
  uint32_t sent = SendBatch(
      *ring_, count,
      [&](uint32_t i, const uint8_t*& packet, uint32_t& length) {
        Napi::Value value = buffers.Get(i);
        // Reading an element can run JavaScript (a getter, a Proxy) that closes this session:
        // from then on nothing may reach the ended session's ring.
        if (closed_) return false;
        if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) return false;
        Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
        packet = bytes.Data();
        length = static_cast<uint32_t>(bytes.ElementLength() > 0xFFFFFFFFu ? 0xFFFFFFFFu : bytes.ElementLength());
        return true;
      },
      stats_, ended);
  if (ended != 0) SendRingEnded(ended);
  return Napi::Number::New(info.Env(), sent);
}

Napi::Value SessionBinding::SetInlineReceiveBudget(const Napi::CallbackInfo& info) {
  uint32_t microseconds = CountArgument(info, 0, 1000000, "microseconds");
  if (!closed_) {
    pump_->SetJavaScriptReceiveBudget(microseconds);
    // The batch handler is gone: the ring goes back to the thread, which queues what comes.
    if (microseconds == 0) StopWaitingForReadEvent();
  }
  return info.Env().Undefined();
}

Napi::Value SessionBinding::ReadStatistics(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[0].As<Napi::Float64Array>().ElementLength() < SessionStatistics::kFieldCount) {
    throw Napi::TypeError::New(info.Env(), "out must be a Float64Array of at least " + std::to_string(SessionStatistics::kFieldCount) + " elements");
  }
  stats_.CopyTo(info[0].As<Napi::Float64Array>().Data());
  return info.Env().Undefined();
}

Napi::Value SessionBinding::TakeInFlightBatches(const Napi::CallbackInfo& info) {
  Napi::Int32Array out = Int32ArrayArgument(info, 0, "out");
  if (!closed_) throw Napi::Error::New(info.Env(), "takeInFlightBatches() is for after close()");
  return Napi::Number::New(info.Env(),
                           pump_->TakeInFlightBatches(out.Data(), static_cast<uint32_t>(out.ElementLength())));
}

Napi::Value SessionBinding::TakeHeldSlots(const Napi::CallbackInfo& info) {
  Napi::Int32Array out = Int32ArrayArgument(info, 0, "out");
  if (!closed_) throw Napi::Error::New(info.Env(), "takeHeldSlots() is for after close()");
  return Napi::Number::New(info.Env(), pump_->TakeHeldSlots(out.Data(), static_cast<uint32_t>(out.ElementLength())));
}

Napi::Value SessionBinding::Close(const Napi::CallbackInfo& info) {
  Shutdown();
  return info.Env().Undefined();
}

Napi::Value SessionBinding::Ref(const Napi::CallbackInfo& info) {
  if (!closed_) {
    to_javascript_.Ref(info.Env());
    if (watch_ != nullptr) watch_->SetReferenced(true);
  }
  return info.Env().Undefined();
}

Napi::Value SessionBinding::Unref(const Napi::CallbackInfo& info) {
  if (!closed_) {
    to_javascript_.Unref(info.Env());
    if (watch_ != nullptr) watch_->SetReferenced(false);
  }
  return info.Env().Undefined();
}

Napi::Value SessionBinding::ShareSendRing(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (closed_) throw Napi::Error::New(env, "shareSendRing() after close()");
  if (shared_send_ring_ == nullptr) {
    auto ring = std::make_shared<SharedSendRing>();
    ring->ring = ring_;
    ring->stats = &stats_;
    ring->owner = this;
    ring->on_ring_ended = [](void* owner, uint32_t code) { static_cast<SessionBinding*>(owner)->SendRingEnded(code); };
    shared_send_ring_ = ring;
    shared_send_ring_id_ = SharedSendRings::Instance().Register(ring);
  }
  return Napi::Number::New(env, shared_send_ring_id_);
}

Napi::Value SessionBinding::SteerToWorkers(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[0].As<Napi::Uint8Array>().ElementLength() != 16 || !info[1].IsNumber()) {
    throw Napi::TypeError::New(env, "steerToWorkers(key: 16-byte Uint8Array, workers: number)");
  }
  const uint32_t workers = CountArgument(info, 1, kMaxSteeredWorkers, "workers");
  if (workers == 0) throw Napi::RangeError::New(env, "workers out of range");
  if (closed_) throw Napi::Error::New(env, "steerToWorkers() after close()");
  if (steering_ != nullptr) throw Napi::Error::New(env, "steerToWorkers() was called already");
  Napi::Uint8Array key_bytes = info[0].As<Napi::Uint8Array>();
  magma::flow::SipHashKey key{};
  std::memcpy(&key.k0, key_bytes.Data(), 8);
  std::memcpy(&key.k1, key_bytes.Data() + 8, 8);
  steering_ = std::make_shared<WorkerSteering>(key, workers, slots_);
  steering_id_ = SteeringRegistry::Instance().Register(steering_);
  worker_queue_memory_.resize(2 * static_cast<size_t>(workers));
  steering_counters_.reserve(workers);
  return Napi::Number::New(env, steering_id_);
}

Napi::Value SessionBinding::StartSteering(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (steering_ == nullptr) throw Napi::Error::New(env, "startSteering() before steerToWorkers()");
  pump_->SetSteering(steering_.get());
  steering_->SetPuller(pump_.get());
  return env.Undefined();
}

namespace {

// A SharedSlotQueue's memory from JavaScript (a Uint8Array over its SharedArrayBuffer), or an
// empty view for null.
SharedSlotQueueView QueueArgument(const Napi::CallbackInfo& info, size_t memory_index, size_t capacity_index,
                                  uint32_t width, const char* name) {
  Napi::Env env = info.Env();
  if (info[memory_index].IsNull()) return {};
  if (!info[memory_index].IsTypedArray() ||
      info[memory_index].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, std::string(name) + " must be a Uint8Array over the queue's memory, or null");
  }
  Napi::Uint8Array memory = info[memory_index].As<Napi::Uint8Array>();
  const uint32_t capacity = CountArgument(info, capacity_index, 1u << 24, "capacity");
  SharedSlotQueueView view(memory.Data(), memory.ByteLength(), capacity, width);
  if (!view.valid()) {
    throw Napi::RangeError::New(env, std::string(name) + " does not hold a queue of that capacity (a power of two)");
  }
  return view;
}

}  // namespace

// Slots no worker holds any more go back to the thread's stock; after close that stock was already
// given back, so they wait for reclaimWorkerSlots, which JavaScript calls once the workers stopped.
void SessionBinding::KeepSteeredSlots(const std::vector<int32_t>& slots) {
  if (closed_) {
    steering_->Adopt(slots);
  } else if (!slots.empty()) {
    pump_->ProvideSlots(slots.data(), static_cast<uint32_t>(slots.size()));
  }
}

Napi::Value SessionBinding::SetWorkerQueues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (steering_ == nullptr) throw Napi::Error::New(env, "setWorkerQueues() before steerToWorkers()");
  if (info.Length() != 6 || !info[0].IsNumber() || !info[5].IsBoolean()) {
    throw Napi::TypeError::New(env,
                               "setWorkerQueues(worker, handOff, handOffCapacity, returns, returnsCapacity, countLost)");
  }
  const uint32_t worker = CountArgument(info, 0, steering_->workers() - 1, "worker");
  SharedSlotQueueView hand_off = QueueArgument(info, 1, 2, 2, "handOff");
  SharedSlotQueueView returns = QueueArgument(info, 3, 4, 1, "returns");
  std::vector<int32_t> reclaimed;
  steering_->SetQueues(worker, hand_off, returns, info[5].As<Napi::Boolean>().Value(), reclaimed);
  KeepSteeredSlots(reclaimed);
  // The steering no longer touches the previous memory (SetQueues swapped it under its lock).
  worker_queue_memory_[2 * worker] = info[1].IsNull() ? Napi::Reference<Napi::Value>() : Napi::Persistent(info[1]);
  worker_queue_memory_[2 * worker + 1] = info[3].IsNull() ? Napi::Reference<Napi::Value>() : Napi::Persistent(info[3]);
  return Napi::Number::New(env, static_cast<double>(reclaimed.size()));
}

Napi::Value SessionBinding::SteerBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Int32Array deliveries = deliveries_.Value();
  const uint32_t stride = pump_->stride();
  const uint32_t batch = CountArgument(info, 0, deliveries.ElementLength() / stride - 1, "batch");
  if (steering_ == nullptr) throw Napi::Error::New(env, "steerBatch() before steerToWorkers()");
  const int32_t* descriptors = deliveries.Data() + static_cast<size_t>(batch) * stride;
  const int32_t count = descriptors[0];
  if (count < 0 || static_cast<uint32_t>(count) > (stride - 1) / 2) {
    throw Napi::RangeError::New(env, "steerBatch: the batch's count is out of range");
  }
  std::vector<int32_t> refused;
  steering_->Steer(descriptors + 1, static_cast<uint32_t>(count), refused);
  KeepSteeredSlots(refused);
  return Napi::Number::New(env, count - static_cast<int32_t>(refused.size()));
}

Napi::Value SessionBinding::ReadSteeringStatistics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    throw Napi::TypeError::New(env, "readSteeringStatistics(out: Float64Array)");
  }
  if (steering_ == nullptr) return Napi::Number::New(env, 0);
  Napi::Float64Array out = info[0].As<Napi::Float64Array>();
  steering_->ReadCounters(steering_counters_);
  if (out.ElementLength() < 3 * steering_counters_.size()) {
    throw Napi::RangeError::New(env, "readSteeringStatistics: out holds fewer than 3 fields per worker");
  }
  for (size_t worker = 0; worker < steering_counters_.size(); ++worker) {
    out[3 * worker] = static_cast<double>(steering_counters_[worker].handed_off);
    out[3 * worker + 1] = static_cast<double>(steering_counters_[worker].queue_full);
    out[3 * worker + 2] = static_cast<double>(steering_counters_[worker].lost);
  }
  return Napi::Number::New(env, static_cast<double>(steering_counters_.size()));
}

Napi::Value SessionBinding::ReclaimWorkerSlots(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Int32Array out = Int32ArrayArgument(info, 0, "out");
  if (!closed_) throw Napi::Error::New(env, "reclaimWorkerSlots() before close()");
  if (steering_ == nullptr) return Napi::Number::New(env, 0);
  if (out.ElementLength() < slots_.size()) throw Napi::RangeError::New(env, "reclaimWorkerSlots: out holds fewer ids than the pool has slots");
  std::vector<int32_t> slots;
  steering_->TakeAll(slots);
  std::memcpy(out.Data(), slots.data(), slots.size() * sizeof(int32_t));
  return Napi::Number::New(env, static_cast<double>(slots.size()));
}

}  // namespace magma::wintun
