#include "session_sender_binding.h"

#include <mutex>
#include <string>

#include "../session/send_path.h"
#include "slab_memory.h"
#include "slot_pairs_argument.h"

namespace magma::wintun {

void SessionSenderBinding::Register(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSessionSender",
              DefineClass(env, "NativeSessionSender",
                          {InstanceMethod<&SessionSenderBinding::SendSlots>("sendSlots"),
                           InstanceMethod<&SessionSenderBinding::Close>("close")}));
}

SessionSenderBinding::SessionSenderBinding(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<SessionSenderBinding>(info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[0].IsNumber() || !info[1].IsArray() || !info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(env, "new NativeSessionSender(ringId, slabs, slotTable: Int32Array)");
  }
  Napi::Array slabs = info[1].As<Napi::Array>();
  std::vector<SlabMemory> memory;
  for (uint32_t i = 0; i < slabs.Length(); ++i) {
    Napi::Value slab = slabs.Get(i);
    memory.push_back(SlabMemoryOf(env, slab));
    slabs_.push_back(Napi::Persistent(slab));
  }
  Napi::Int32Array table = info[2].As<Napi::Int32Array>();
  if (table.ElementLength() % 3 != 0) throw Napi::RangeError::New(env, "slotTable holds (slab, offset, capacity) triples");
  const int32_t* entries = table.Data();
  for (size_t id = 0; id < table.ElementLength() / 3; ++id) {
    const int32_t slab = entries[3 * id], offset = entries[3 * id + 1], capacity = entries[3 * id + 2];
    if (slab < 0 || static_cast<size_t>(slab) >= memory.size() || offset < 0 || capacity <= 0 ||
        static_cast<size_t>(offset) + static_cast<size_t>(capacity) > memory[slab].length) {
      throw Napi::RangeError::New(env, "slot " + std::to_string(id) + " lies outside its slab");
    }
    slots_.push_back(SlotMemory{memory[slab].data + offset, static_cast<uint32_t>(capacity)});
  }
  ring_ = SharedSendRings::Instance().Find(info[0].As<Napi::Number>().Uint32Value());
  if (ring_ == nullptr) throw Napi::Error::New(env, "ring-closed");
}

Napi::Value SessionSenderBinding::SendSlots(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const SlotPairsArgument argument = ReadSlotPairsArgument(info);
  if (ring_ == nullptr) return Napi::Number::New(env, -1);
  std::shared_lock<std::shared_mutex> guard(ring_->lock);
  if (!ring_->open) return Napi::Number::New(env, -1);
  uint32_t ended = 0;
  const uint32_t sent =
      SendSlotPairs(*ring_->ring, argument.pairs, argument.count, slots_, *ring_->stats, ended);
  if (ended != 0) ring_->on_ring_ended(ring_->owner, ended);
  return Napi::Number::New(env, sent);
}

Napi::Value SessionSenderBinding::Close(const Napi::CallbackInfo& info) {
  ring_.reset();
  slots_.clear();
  for (auto& slab : slabs_) slab.Reset();
  slabs_.clear();
  return info.Env().Undefined();
}

}  // namespace magma::wintun
