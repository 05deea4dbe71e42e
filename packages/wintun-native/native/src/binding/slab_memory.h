// A pool slab's memory as JavaScript hands it over: an ArrayBuffer, or (for a pool whose slabs are
// SharedArrayBuffers, which Node-API cannot name) a Uint8Array over the whole slab.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

namespace magma::wintun {

struct SlabMemory {
  uint8_t* data = nullptr;
  size_t length = 0;
};

// Throws TypeError for anything else. The caller keeps `value` referenced while it uses the memory.
inline SlabMemory SlabMemoryOf(Napi::Env env, Napi::Value value) {
  if (value.IsArrayBuffer()) {
    Napi::ArrayBuffer buffer = value.As<Napi::ArrayBuffer>();
    return {static_cast<uint8_t*>(buffer.Data()), buffer.ByteLength()};
  }
  if (value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
    return {bytes.Data(), bytes.ByteLength()};
  }
  throw Napi::TypeError::New(env, "slabs must be ArrayBuffers or Uint8Arrays over SharedArrayBuffers");
}

}  // namespace magma::wintun
