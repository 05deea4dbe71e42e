// JavaScript class `NativeSessionSender`: a worker thread's way into a session's send ring
// (shared_send_ring.h), with the worker's own pool slabs.
//
//   new NativeSessionSender(ringId: number, slabs: (ArrayBuffer | Uint8Array)[], slotTable: Int32Array)
//        ringId from the owning session's shareSendRing(); slotTable as for startSession. Throws
//        Error "ring-closed" when that session has ended (or never shared its ring).
//   sendSlots(pairs: Int32Array, count): number   (slotId, length) pairs in order, as the session's
//        own sendSlots; returns the packets sent, or -1 once the session has ended (nothing sent;
//        the caller counts the batch)
//   close(): void      lets go of the ring and the slabs; idempotent
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

#include "../session/slot_memory.h"
#include "shared_send_ring.h"

namespace magma::wintun {

class SessionSenderBinding : public Napi::ObjectWrap<SessionSenderBinding> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit SessionSenderBinding(const Napi::CallbackInfo& info);

 private:
  Napi::Value SendSlots(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  std::shared_ptr<SharedSendRing> ring_;
  std::vector<SlotMemory> slots_;
  std::vector<Napi::Reference<Napi::Value>> slabs_;  // keep slot memory alive
};

}  // namespace magma::wintun
