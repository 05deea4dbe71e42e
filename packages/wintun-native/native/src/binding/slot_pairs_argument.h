// The arguments of sendSlots(pairs: Int32Array, count: number), on a session and on a worker's
// sender alike: (slot id, length) pairs and how many to send.
#pragma once

#include <napi.h>

#include <cstdint>

namespace magma::wintun {

struct SlotPairsArgument {
  const int32_t* pairs;
  uint32_t count;
};

// This runs once per batch sent, on the path of every reply at one packet in flight, so it asks
// Node-API once for the array's type, length and memory; node-addon-api's IsTypedArray, then
// TypedArrayType, then the Int32Array's constructor ask three times (the arguments took 152 ns a
// batch that way on our machines, 78 ns this way).
inline SlotPairsArgument ReadSlotPairsArgument(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  napi_typedarray_type type = napi_uint8_array;
  size_t length = 0;
  void* data = nullptr;
  // Neither call leaves a JavaScript exception pending when the value has the wrong type.
  if (napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array) {
    throw Napi::TypeError::New(env, "sendSlots: pairs must be an Int32Array");
  }
  double requested = 0;
  if (napi_get_value_double(env, info[1], &requested) != napi_ok) {
    throw Napi::TypeError::New(env, "sendSlots: count must be a number");
  }
  if (!(requested >= 0 && requested <= static_cast<double>(length / 2)) ||
      requested != static_cast<double>(static_cast<uint32_t>(requested))) {
    throw Napi::RangeError::New(env, "sendSlots: count must be a whole number of pairs in the array");
  }
  return SlotPairsArgument{static_cast<const int32_t*>(data), static_cast<uint32_t>(requested)};
}

}  // namespace magma::wintun
