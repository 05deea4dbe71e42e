#include "flow_hash_binding.h"

#include <cstring>

#include "flow_hash.h"

namespace magma::flow {
namespace {

// flowHashes(key: Uint8Array(16), packets: Uint8Array, lengths: Uint32Array, workers: number)
//   -> { hashes: BigUint64Array, workers: Uint32Array }
// `packets` holds the batch's packets back to back, `lengths` their lengths: one crossing for the
// batch, as the receive path makes.
Napi::Value FlowHashes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[0].IsTypedArray() || !info[1].IsTypedArray() ||
      !info[2].IsTypedArray() || !info[3].IsNumber()) {
    throw Napi::TypeError::New(env, "flowHashes(key, packets, lengths, workers)");
  }
  Napi::Uint8Array key_bytes = info[0].As<Napi::Uint8Array>();
  Napi::Uint8Array packets = info[1].As<Napi::Uint8Array>();
  Napi::Uint32Array lengths = info[2].As<Napi::Uint32Array>();
  const uint32_t worker_count = info[3].As<Napi::Number>().Uint32Value();
  if (key_bytes.TypedArrayType() != napi_uint8_array || key_bytes.ElementLength() != 16 ||
      packets.TypedArrayType() != napi_uint8_array ||
      lengths.TypedArrayType() != napi_uint32_array || worker_count == 0) {
    throw Napi::RangeError::New(env, "flowHashes: a 16-byte key, Uint8Array packets, "
                                     "Uint32Array lengths and at least one worker");
  }
  SipHashKey key;
  std::memcpy(&key.k0, key_bytes.Data(), 8);
  std::memcpy(&key.k1, key_bytes.Data() + 8, 8);
  const size_t count = lengths.ElementLength();
  Napi::ArrayBuffer hash_memory = Napi::ArrayBuffer::New(env, count * sizeof(uint64_t));
  Napi::Uint32Array workers = Napi::Uint32Array::New(env, count);
  auto* hashes = static_cast<uint64_t*>(hash_memory.Data());
  size_t at = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t length = lengths[i];
    if (length > packets.ElementLength() - at) {
      throw Napi::RangeError::New(env, "flowHashes: the lengths add up to more than the packets");
    }
    hashes[i] = FlowHash(key, packets.Data() + at, length);
    workers[i] = WorkerOf(hashes[i], worker_count);
    at += length;
  }
  napi_value hash_array;
  napi_status status =
      napi_create_typedarray(env, napi_biguint64_array, count, hash_memory, 0, &hash_array);
  NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  Napi::Object result = Napi::Object::New(env);
  result.Set("hashes", hash_array);
  result.Set("workers", workers);
  return result;
}

// sipHash24(key: Uint8Array(16), data: Uint8Array) -> bigint: the hash itself, for its test
// vectors.
Napi::Value SipHash(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2 || !info[0].IsTypedArray() || !info[1].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[0].As<Napi::Uint8Array>().ElementLength() != 16) {
    throw Napi::TypeError::New(env, "sipHash24(key: 16-byte Uint8Array, data: Uint8Array)");
  }
  Napi::Uint8Array key_bytes = info[0].As<Napi::Uint8Array>();
  Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
  SipHashKey key;
  std::memcpy(&key.k0, key_bytes.Data(), 8);
  std::memcpy(&key.k1, key_bytes.Data() + 8, 8);
  return Napi::BigInt::New(env, SipHash24(key, data.Data(), data.ElementLength()));
}

}  // namespace

void RegisterFlowHash(Napi::Env env, Napi::Object exports) {
  exports.Set("flowHashes", Napi::Function::New(env, FlowHashes, "flowHashes"));
  exports.Set("sipHash24", Napi::Function::New(env, SipHash, "sipHash24"));
}

}  // namespace magma::flow
